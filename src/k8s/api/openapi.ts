import type { ResourceRegistry } from '../registry.js';
import type { ResourceType } from '../resource-type.js';
import { createHash } from 'node:crypto';

/**
 * OpenAPI v3 documents, per group/version, enough for kubectl: `kubectl apply` checks that the
 * PATCH operation of a kind lists the `fieldValidation` query parameter (then the server
 * validates, as here), and `kubectl explain` reads the component schemas. Strategic merge is
 * not advertised, so kubectl computes builtin patches from its compiled-in types.
 * /openapi/v2 is not served as protobuf; kubectl treats that as "no v2 schema" and carries on.
 */

function schemaName(t: ResourceType): string {
  const reversed = t.group ? t.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${reversed}.${t.version}.${t.kind}`;
}

function gvkExtension(t: ResourceType): Record<string, string> {
  return { group: t.group, version: t.version, kind: t.kind };
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

function gvPath(t: ResourceType): string {
  return t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
}

function objectSchema(t: ResourceType): Record<string, unknown> {
  const base = t.schema
    ? structuredClone(t.schema)
    : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return { ...base, 'x-kubernetes-group-version-kind': [gvkExtension(t)] };
}

export function openApiV3Document(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const t of types) {
    const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
    schemas[schemaName(t)] = objectSchema(t);
    const content = { 'application/json': { schema: ref } };
    const itemPath = t.namespaced
      ? `${gvPath(t)}/namespaces/{namespace}/${t.plural}/{name}`
      : `${gvPath(t)}/${t.plural}/{name}`;
    const op = (verb: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      operationId: `${verb}${t.kind}`,
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvkExtension(t),
      parameters: QUERY_PARAMS,
      responses: { '200': { description: 'OK', content } },
      ...extra,
    });
    paths[itemPath] = {
      get: op('get'),
      put: op('put', { requestBody: { content } }),
      patch: op('patch', {
        requestBody: {
          content: {
            'application/json-patch+json': { schema: { type: 'object' } },
            'application/merge-patch+json': { schema: { type: 'object' } },
            'application/apply-patch+yaml': { schema: { type: 'object' } },
          },
        },
      }),
      delete: op('delete'),
    };
    const listPath = t.namespaced
      ? `${gvPath(t)}/namespaces/{namespace}/${t.plural}`
      : `${gvPath(t)}/${t.plural}`;
    paths[listPath] = { post: op('post', { requestBody: { content } }) };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}

/** The /openapi/v3 index, one entry per group/version with a content hash. */
export function openApiV3Index(registry: ResourceRegistry): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const group of registry.groups()) {
    for (const version of registry.versions(group)) {
      const doc = openApiV3Document(registry, group, version);
      const hash = createHash('sha512')
        .update(JSON.stringify(doc))
        .digest('hex')
        .slice(0, 32)
        .toUpperCase();
      const rel = group ? `apis/${group}/${version}` : `api/${version}`;
      paths[rel] = { serverRelativeURL: `/openapi/${'v3'}/${rel}?hash=${hash}` };
    }
  }
  return { paths };
}
