import { ApiStatusError } from '../errors.js';
import type { ResourceRegistry } from '../registry.js';
import type { ResourceType } from '../resource-type.js';

/**
 * URL -> resource. Paths follow the real server: /api/v1/... for the core group,
 * /apis/GROUP/VERSION/... otherwise; `namespaces/NS/` before the resource for namespaced
 * kinds; `/status` after the name for the status subresource.
 */
export interface ResourceRoute {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

export function resolveResourcePath(
  registry: ResourceRegistry,
  segments: string[],
): ResourceRoute | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1] as string;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1] as string;
    version = segments[2] as string;
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const candidate = registry.find(group, version, rest[2] as string);
    if (candidate?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const plural = rest[0] as string;
  const type = registry.find(group, version, plural);
  if (!type) {
    throw new ApiStatusError(
      404,
      'NotFound',
      'the server could not find the requested resource',
      {},
    );
  }
  if (namespace !== undefined && !type.namespaced) {
    throw new ApiStatusError(
      404,
      'NotFound',
      'the server could not find the requested resource',
      {},
    );
  }
  if (rest.length > 3)
    throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
  const subresource = rest[2];
  const allowed =
    (subresource === 'status' && type.statusSubresource) ||
    (subresource === 'scale' && hasScale(type));
  if (subresource !== undefined && !allowed) {
    throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
  return { type, namespace, name: rest[1], subresource };
}

/** Kinds with a scale subresource (autoscaling/v1 Scale), as kubectl scale expects. */
export function hasScale(type: ResourceType): boolean {
  return type.builtin && type.kind === 'Deployment';
}
