import { conflict, invalid } from '../errors.js';
import type { KubeObject, ResourceType } from '../resource-type.js';
import { isRecord } from '../resource-type.js';
import type { ResourceService, WriteOptions } from './resource-service.js';

/**
 * The scale subresource of Deployments: an autoscaling/v1 Scale view whose writes change only
 * spec.replicas (what `kubectl scale` reads and patches).
 */

/** The autoscaling/v1 Scale view of a Deployment (the scale subresource). */
export function getScale(
  service: ResourceService,
  type: ResourceType,
  namespace: string,
  name: string,
): KubeObject {
  const obj = service.get(type, namespace, name);
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  const status = isRecord(obj['status']) ? obj['status'] : {};
  const selector =
    isRecord(spec['selector']) && isRecord(spec['selector']['matchLabels'])
      ? spec['selector']['matchLabels']
      : {};
  const meta = obj.metadata ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: spec['replicas'] ?? 1 },
    status: {
      replicas: status['replicas'] ?? 0,
      selector: Object.entries(selector)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    },
  };
}

/** Writes a Scale back: only spec.replicas of the Deployment changes. */
export function writeScale(
  service: ResourceService,

  type: ResourceType,
  namespace: string,
  name: string,
  scale: unknown,
  options: WriteOptions = {},
): KubeObject {
  const replicas =
    isRecord(scale) && isRecord(scale['spec']) ? scale['spec']['replicas'] : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid('Scale', 'autoscaling', name, [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
        field: 'spec.replicas',
      },
    ]);
  }
  const rv =
    isRecord(scale) && isRecord(scale['metadata'])
      ? scale['metadata']['resourceVersion']
      : undefined;
  const current = service.get(type, namespace, name);
  if (typeof rv === 'string' && rv !== '' && rv !== current.metadata?.resourceVersion) {
    throw conflict(
      type.plural,
      type.group,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
  service.patch(type, namespace, name, 'merge', { spec: { replicas } }, undefined, options);
  return getScale(service, type, namespace, name);
}
