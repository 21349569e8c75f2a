import type { KubeObject, PrinterColumn, ResourceType } from '../resource-type.js';
import { ageOf } from './human-duration.js';
import { BUILTIN_TABLES } from './builtin-tables.js';
import { columnText, evaluateColumnPath } from './jsonpath.js';

/**
 * Server-side `meta.k8s.io/v1` Table rendering (what kubectl asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`). Every column, wide ones included, is
 * sent with its priority; kubectl drops priority > 0 unless `-o wide`.
 */

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export type Cell = string | number | boolean | null;

const NAME_COLUMN: ColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

const AGE_COLUMN: ColumnDefinition = {
  name: 'Age',
  type: 'date',
  format: '',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
};

export interface TableRenderer {
  columns: ColumnDefinition[];
  cells(obj: KubeObject, nowMs: number): Cell[];
}

/** The renderer for a type: its builtin table, its CRD columns, or NAME + AGE. */
export function tableRendererFor(type: ResourceType): TableRenderer {
  const builtinTable = type.builtin ? BUILTIN_TABLES[type.kind] : undefined;
  if (builtinTable) return builtinTable;
  const columns = type.printerColumns ?? [];
  if (columns.length === 0) {
    return {
      columns: [NAME_COLUMN, AGE_COLUMN],
      cells: (obj, now) => [obj.metadata?.name ?? '', ageOf(obj.metadata?.creationTimestamp, now)],
    };
  }
  return {
    columns: [
      NAME_COLUMN,
      ...columns.map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        description: c.description ?? '',
        priority: c.priority ?? 0,
      })),
    ],
    cells: (obj, now) => [obj.metadata?.name ?? '', ...columns.map((c) => crdCell(c, obj, now))],
  };
}

/** One CRD column cell, typed the way apiextensions-apiserver's table convertor types it. */
function crdCell(column: PrinterColumn, obj: KubeObject, nowMs: number): Cell {
  const value = evaluateColumnPath(obj, column.jsonPath);
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'string':
      return columnText(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? ageOf(value, nowMs) : null;
    default:
      return null;
  }
}

/** PartialObjectMetadata of a row, which kubectl reads the NAMESPACE cell from. */
function partialMetadata(obj: KubeObject): Record<string, unknown> {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: obj.metadata ?? {},
  };
}

export function renderTable(
  type: ResourceType,
  objects: KubeObject[],
  nowMs: number,
  listMeta: Record<string, unknown>,
  includeObject: string,
  includeColumns = true,
): Record<string, unknown> {
  const renderer = tableRendererFor(type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: includeColumns ? renderer.columns : null,
    rows: objects.map((obj) => ({
      cells: renderer.cells(obj, nowMs),
      object:
        includeObject === 'None' ? null : includeObject === 'Object' ? obj : partialMetadata(obj),
    })),
  };
}
