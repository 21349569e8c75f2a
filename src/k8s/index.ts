/**
 * k8s/: speakersim's envtest-like Kubernetes API server and its client.
 *
 * Server data flow: node:http request -> routes (URL -> ResourceType) -> ResourceService
 * (semantics: conflicts, status subresource, generation, finalizers, schema defaulting and
 * validation, patches, server-side apply) -> ObjectStore (global resourceVersion, watch history,
 * optional fsync'ed log + snapshots) -> watchers. Tables and discovery are rendered from the
 * ResourceRegistry (builtin kinds + stored CRDs). The CRDs in crds/ are installed at start.
 *
 * Client: KubeClient (client.ts) on @kubernetes/client-node, for this server or a real cluster.
 */
export { ApiServer, type ApiServerOptions } from './api-server.js';
export {
  KubeClient,
  KubeClientError,
  type ObjectRef,
  type ListQuery,
  type ApplyQuery,
  type WriteQuery,
  type PatchKind,
} from './client.js';
export { seedObject, raiseResourceVersion, type SeedInit } from './seed.js';
export { ApiStatusError } from './errors.js';
export { kubeconfigYaml, writeKubeconfig } from './kubeconfig.js';
export { humanDuration } from './table/human-duration.js';
export type { KubeObject } from './resource-type.js';
