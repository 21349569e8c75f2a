import { ApiStatusError } from '../errors.js';
import type { ResourceRegistry } from '../registry.js';
import {
  aggregatedDiscovery,
  AGGREGATED_V2,
  AGGREGATED_V2BETA1,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  KUBE_VERSION,
} from './discovery.js';
import { openApiV3Document, openApiV3Index } from './openapi.js';

/**
 * The GET paths that are not resources: /version, health, discovery (legacy and aggregated,
 * chosen by the Accept header as the real server does) and OpenAPI.
 */

export interface NonResourceReply {
  /** JSON body, or plain text when `text` is set. */
  body?: unknown;
  text?: string;
  contentType: string;
}

function notFound(): ApiStatusError {
  return new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
}

/** The reply for a non-resource path, or undefined when the path names a resource. */
export function nonResourceReply(
  registry: ResourceRegistry,
  segments: string[],
  accept: string,
  serverAddress: string,
): NonResourceReply | undefined {
  const p = segments.join('/');
  const json = (body: unknown, contentType = 'application/json'): NonResourceReply => ({
    body,
    contentType,
  });
  if (p === 'version') return json(KUBE_VERSION);
  if (p === 'healthz' || p === 'readyz' || p === 'livez')
    return { text: 'ok', contentType: 'text/plain' };

  const wantsAggregated = accept.includes('as=APIGroupDiscoveryList');
  const v2 = accept.includes('v=v2;');
  const aggregatedType = v2 ? AGGREGATED_V2 : AGGREGATED_V2BETA1;
  const aggregatedVersion = v2 ? 'apidiscovery.k8s.io/v2' : 'apidiscovery.k8s.io/v2beta1';
  if (p === 'api') {
    return wantsAggregated
      ? json(aggregatedDiscovery(registry, true, aggregatedVersion), aggregatedType)
      : json(apiVersions(serverAddress));
  }
  if (p === 'apis') {
    return wantsAggregated
      ? json(aggregatedDiscovery(registry, false, aggregatedVersion), aggregatedType)
      : json(apiGroupList(registry));
  }
  if (segments[0] === 'api' && segments.length === 2) {
    const list = apiResourceList(registry, '', segments[1] as string);
    if (!list) throw notFound();
    return json(list);
  }
  if (segments[0] === 'apis' && segments.length === 2) {
    const group = apiGroup(registry, segments[1] as string);
    if (!group) throw notFound();
    return json(group);
  }
  if (segments[0] === 'apis' && segments.length === 3) {
    const list = apiResourceList(registry, segments[1] as string, segments[2] as string);
    if (!list) throw notFound();
    return json(list);
  }
  if (p === 'openapi/v3') return json(openApiV3Index(registry));
  if (segments[0] === 'openapi' && segments[1] === 'v3') {
    const rest = segments.slice(2);
    const doc =
      rest[0] === 'api' && rest.length === 2
        ? openApiV3Document(registry, '', rest[1] as string)
        : rest[0] === 'apis' && rest.length === 3
          ? openApiV3Document(registry, rest[1] as string, rest[2] as string)
          : undefined;
    if (!doc) throw notFound();
    return json(doc);
  }
  if (p === 'openapi/v2') {
    // Only JSON is offered; kubectl asks for protobuf, gets 406 and goes on without v2.
    if (!accept.includes('json')) {
      throw new ApiStatusError(
        406,
        'NotAcceptable',
        'only application/json is supported for /openapi/v2',
      );
    }
    return json({
      swagger: '2.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths: {},
      definitions: {},
    });
  }
  return undefined;
}
