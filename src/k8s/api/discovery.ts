import type { ResourceRegistry } from '../registry.js';
import type { ResourceType } from '../resource-type.js';
import { hasScale } from './routes.js';

/**
 * Discovery documents: legacy (/api, /apis, /api/v1, /apis/G/V) and aggregated
 * (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, which kubectl 1.32 asks for first).
 */

export const KUBE_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-speakersim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 =
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

function verbs(_type: ResourceType): string[] {
  return ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
}

function storageVersionHash(type: ResourceType): string {
  // Stable per group/resource; clients only compare it for equality.
  return Buffer.from(`${type.group}/${type.storageVersion}/${type.plural}`)
    .toString('base64')
    .slice(0, 11);
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(registry: ResourceRegistry, group: string): Record<string, unknown> {
  const versions = registry
    .versions(group)
    .map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups()
      .filter((g) => g !== '')
      .map((g) => groupEntry(registry, g)),
  };
}

export function apiGroup(
  registry: ResourceRegistry,
  group: string,
): Record<string, unknown> | undefined {
  if (!registry.groups().includes(group) || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(registry, group) };
}

export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    const entry: Record<string, unknown> = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: verbs(t),
      storageVersionHash: storageVersionHash(t),
    };
    if (t.shortNames.length > 0) entry['shortNames'] = t.shortNames;
    if (t.categories.length > 0) entry['categories'] = t.categories;
    resources.push(entry);
    if (hasScale(t)) {
      resources.push({
        name: `${t.plural}/scale`,
        singularName: '',
        namespaced: t.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      });
    }
    if (t.statusSubresource) {
      resources.push({
        name: `${t.plural}/status`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function discoveryResource(t: ResourceType): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    resource: t.plural,
    responseKind: { group: t.group, version: t.version, kind: t.kind },
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: verbs(t),
  };
  if (t.shortNames.length > 0) entry['shortNames'] = t.shortNames;
  if (t.categories.length > 0) entry['categories'] = t.categories;
  const subresources: Record<string, unknown>[] = [];
  if (hasScale(t)) {
    subresources.push({
      subresource: 'scale',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    });
  }
  if (subresources.length > 0) entry['subresources'] = subresources;
  if (t.statusSubresource) {
    entry['subresources'] = [
      ...subresources,
      {
        subresource: 'status',
        responseKind: { group: t.group, version: t.version, kind: t.kind },
        verbs: ['get', 'patch', 'update'],
      },
    ];
  }
  return entry;
}

/** The aggregated document for /api (core only) or /apis (every named group). */
export function aggregatedDiscovery(
  registry: ResourceRegistry,
  core: boolean,
  apiVersion: string,
): Record<string, unknown> {
  const groups = registry.groups().filter((g) => (core ? g === '' : g !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: groups.map((group) => ({
      metadata: { name: group },
      versions: registry.versions(group).map((version) => ({
        version,
        resources: registry.inGroupVersion(group, version).map(discoveryResource),
        freshness: 'Current',
      })),
    })),
  };
}
