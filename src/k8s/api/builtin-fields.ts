import type { StatusCause } from '../errors.js';
import { UNMANAGED_METADATA } from '../patch/field-set.js';
import type { KubeObject } from '../resource-type.js';
import { isRecord } from '../resource-type.js';

/**
 * The fields of builtin kinds that speakersim knows, for `fieldValidation` and pruning: the
 * real server decodes builtin kinds into Go structs, so a field the struct lacks is dropped
 * (Ignore), reported as a warning (Warn) or refused (Strict). speakersim knows every kind's
 * top-level fields and ObjectMeta; fields below `spec` and `status` are kept as sent.
 */

/** ObjectMeta's fields: the server-owned ones and those clients set. */
const OBJECT_META = new Set([
  ...UNMANAGED_METADATA,
  'generateName',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
]);

const SPEC_STATUS = ['spec', 'status'];

const TOP_LEVEL: Record<string, string[]> = {
  Namespace: SPEC_STATUS,
  Service: SPEC_STATUS,
  Node: SPEC_STATUS,
  Pod: SPEC_STATUS,
  Deployment: SPEC_STATUS,
  CustomResourceDefinition: SPEC_STATUS,
  Endpoints: ['subsets'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ConfigMap: ['data', 'binaryData', 'immutable'],
  EndpointSlice: ['addressType', 'endpoints', 'ports'],
  Event: [
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ],
};

/** Removes metadata fields ObjectMeta does not have; returns their paths. */
export function pruneUnknownMetadata(obj: KubeObject): string[] {
  const unknown: string[] = [];
  const meta = obj.metadata;
  if (!isRecord(meta)) return unknown;
  for (const key of Object.keys(meta)) {
    if (OBJECT_META.has(key)) continue;
    unknown.push(`metadata.${key}`);
    delete meta[key];
  }
  return unknown;
}

/** Removes top-level and metadata fields a builtin kind does not have; returns their paths. */
export function pruneUnknownBuiltin(kind: string, obj: KubeObject): string[] {
  const known = TOP_LEVEL[kind];
  const unknown = pruneUnknownMetadata(obj);
  if (!known) return unknown;
  for (const key of Object.keys(obj)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata' || known.includes(key))
      continue;
    unknown.push(key);
    delete obj[key];
  }
  return unknown;
}

/** ConfigMap and Secret payloads are limited to 1 MiB (k8s.io/api core validation). */
export const MAX_CONFIG_DATA_BYTES = 1024 * 1024;

/** Validation the real server does on builtin kinds that speakersim mirrors. */
export function validateBuiltin(kind: string, obj: KubeObject): StatusCause[] {
  if (kind !== 'ConfigMap' && kind !== 'Secret') return [];
  let total = 0;
  for (const field of ['data', 'binaryData']) {
    const map = obj[field];
    if (!isRecord(map)) continue;
    for (const value of Object.values(map)) {
      if (typeof value !== 'string') continue;
      // Secret data and ConfigMap binaryData are base64 on the wire; the limit counts bytes.
      const binary = kind === 'Secret' || field === 'binaryData';
      total += binary ? Buffer.from(value, 'base64').length : Buffer.byteLength(value);
    }
  }
  if (total <= MAX_CONFIG_DATA_BYTES) return [];
  return [
    {
      reason: 'FieldValueTooLong',
      message: `Too long: must have at most ${MAX_CONFIG_DATA_BYTES} bytes`,
      field: 'data',
    },
  ];
}
