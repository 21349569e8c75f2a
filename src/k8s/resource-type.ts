/**
 * What the API server knows about one served resource at one version: names, scope, schema,
 * printer columns. Builtin kinds and CustomResourceDefinitions both end up as ResourceTypes.
 */

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
};

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<Record<string, unknown>>;
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** A JSON schema in Kubernetes' structural OpenAPI v3 dialect (x-kubernetes-* allowed). */
export type OpenApiSchema = Record<string, unknown>;

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** True when .status is written only through the status subresource. */
  statusSubresource: boolean;
  /** Schema of the whole object; undefined means "accept anything" (builtins without one). */
  schema?: OpenApiSchema;
  /** Columns of a CRD; undefined for builtins, which render their own tables. */
  printerColumns?: PrinterColumn[];
  /** The version objects are stored at; reads at other versions rewrite apiVersion. */
  storageVersion: string;
  deprecationWarning?: string;
  /** Field selector labels besides metadata.name/metadata.namespace (CRD selectableFields). */
  selectableFields?: string[];
  /** Builtin kinds accept strategic merge patches; custom resources do not. */
  builtin: boolean;
}

/** Key of the storage bucket for a resource: versions of one group/resource share objects. */
export function storageKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep copy of JSON data (objects in the store are plain JSON). A direct walk over plain objects
 * and arrays: structuredClone goes through V8's serializer and was the largest single cost of a
 * status write (a copy of the whole stored object each time). Anything that is not plain JSON
 * data still goes through structuredClone.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => cloneJson(v)) as T;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = cloneJson((value as Record<string, unknown>)[key]);
    // JSON.parse makes "__proto__" an own key; assigning it would set the prototype instead.
    if (key === '__proto__') {
      Object.defineProperty(out, key, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[key] = v;
  }
  return out as T;
}
