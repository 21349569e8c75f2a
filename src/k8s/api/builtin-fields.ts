import type { StatusCause } from '../errors.js';
import { UNMANAGED_METADATA } from '../patch/field-set.js';
import type { KubeObject } from '../resource-type.js';
import { isRecord } from '../resource-type.js';

/**
 * The fields of builtin kinds that speakersim knows, for `fieldValidation` and pruning: the
 * real server decodes builtin kinds into Go structs, so a field the struct lacks is dropped
 * (Ignore), reported as a warning (Warn) or refused (Strict). speakersim knows every kind's
 * top-level fields, ObjectMeta, and the Service's spec and ports (where a typo such as
 * `loadBalancerIp` changes what MetalLB does); other fields below are kept as sent.
 */

/** Known fields of an object; `null`: anything below is accepted. A list's items share one. */
interface Known {
  [field: string]: Known | null;
}

/** ObjectMeta's fields: the server-owned ones and those clients set. */
const OBJECT_META: Known = Object.fromEntries(
  [
    ...UNMANAGED_METADATA,
    'generateName',
    'labels',
    'annotations',
    'ownerReferences',
    'finalizers',
  ].map((f) => [f, null]),
);

const opaque = (...fields: string[]): Known => Object.fromEntries(fields.map((f) => [f, null]));

/** core/v1 ServiceSpec and ServicePort (Kubernetes 1.32). */
const SERVICE_SPEC: Known = {
  ...opaque(
    'selector',
    'clusterIP',
    'clusterIPs',
    'type',
    'externalIPs',
    'sessionAffinity',
    'loadBalancerIP',
    'loadBalancerSourceRanges',
    'externalName',
    'externalTrafficPolicy',
    'healthCheckNodePort',
    'publishNotReadyAddresses',
    'sessionAffinityConfig',
    'ipFamilies',
    'ipFamilyPolicy',
    'allocateLoadBalancerNodePorts',
    'loadBalancerClass',
    'internalTrafficPolicy',
    'trafficDistribution',
  ),
  ports: opaque('name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'),
};

const SPEC_STATUS = opaque('spec', 'status');

const KINDS: Record<string, Known> = {
  Namespace: SPEC_STATUS,
  Service: { spec: SERVICE_SPEC, status: opaque('loadBalancer', 'conditions') },
  Node: SPEC_STATUS,
  Pod: SPEC_STATUS,
  Deployment: SPEC_STATUS,
  CustomResourceDefinition: SPEC_STATUS,
  Endpoints: opaque('subsets'),
  Secret: opaque('data', 'stringData', 'type', 'immutable'),
  ConfigMap: opaque('data', 'binaryData', 'immutable'),
  EndpointSlice: opaque('addressType', 'endpoints', 'ports'),
  Event: opaque(
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
  ),
};

/** Removes the fields `known` lacks from `value` (and its list items); returns their paths. */
function prune(value: unknown, known: Known, path: string, unknown: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => prune(item, known, `${path}[${i}]`, unknown));
    return;
  }
  if (!isRecord(value)) return;
  for (const key of Object.keys(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (!Object.hasOwn(known, key)) {
      unknown.push(childPath);
      delete value[key];
      continue;
    }
    const below = known[key];
    if (below) prune(value[key], below, childPath, unknown);
  }
}

/** Removes metadata fields ObjectMeta does not have; returns their paths. */
export function pruneUnknownMetadata(obj: KubeObject): string[] {
  const unknown: string[] = [];
  prune(obj.metadata, OBJECT_META, 'metadata', unknown);
  return unknown;
}

/** Removes the fields a builtin kind does not have that speakersim knows of; returns their paths. */
export function pruneUnknownBuiltin(kind: string, obj: KubeObject): string[] {
  const known = KINDS[kind];
  const unknown = pruneUnknownMetadata(obj);
  if (!known) return unknown;
  prune(obj, { ...known, apiVersion: null, kind: null, metadata: null }, '', unknown);
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
