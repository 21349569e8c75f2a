import type { ResourceType } from './resource-type.js';

/**
 * The builtin kinds speakersim serves. They carry no schema (the real server validates them in
 * Go code); speakersim checks only what its users rely on (names, clusterIP, nodePorts).
 */
function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  statusSubresource: boolean,
  shortNames: string[] = [],
  categories: string[] = [],
): ResourceType {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    categories,
    namespaced,
    statusSubresource,
    storageVersion: version,
    builtin: true,
  };
}

export const BUILTIN_TYPES: ResourceType[] = [
  builtin('', 'v1', 'Namespace', 'namespaces', false, true, ['ns']),
  builtin('', 'v1', 'Service', 'services', true, true, ['svc'], ['all']),
  builtin('', 'v1', 'Endpoints', 'endpoints', true, false, ['ep']),
  builtin('', 'v1', 'Node', 'nodes', false, true, ['no']),
  builtin('', 'v1', 'Pod', 'pods', true, true, ['po'], ['all']),
  builtin('', 'v1', 'Secret', 'secrets', true, false),
  builtin('', 'v1', 'ConfigMap', 'configmaps', true, false, ['cm']),
  builtin('', 'v1', 'Event', 'events', true, false, ['ev']),
  builtin('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true, false),
  builtin('apps', 'v1', 'Deployment', 'deployments', true, true, ['deploy'], ['all']),
  builtin(
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
    true,
    ['crd', 'crds'],
    ['api-extensions'],
  ),
];
