/**
 * Applying manifests the way `kubectl apply` does, so the objects look as the seed shows them:
 * created when missing, patched when present, with the last-applied-configuration annotation
 * (compact JSON with sorted keys, `"annotations":{}` when the manifest has none, and a
 * trailing newline; reference §14).
 */
import type { KubeClient, KubeResource } from '../../k8s/client.js';
import type { Manifest } from '../types.js';
import { stableJson } from '../../core/stable-json.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The annotation value kubectl writes for `manifest`. */
export function lastAppliedConfiguration(manifest: Manifest): string {
  const annotations = {
    ...((manifest.metadata?.['annotations'] as Record<string, string> | undefined) ?? {}),
  };
  delete annotations[LAST_APPLIED];
  const copy = { ...manifest, metadata: { ...(manifest.metadata ?? {}), annotations } };
  return `${stableJson(copy)}\n`;
}

export interface ApplyOutcome {
  verb: 'create' | 'patch';
  object: KubeResource;
}

export async function applyManifest(
  client: KubeClient,
  manifest: Manifest,
  defaultNamespace: string,
  namespaced: (m: Manifest) => Promise<boolean>,
): Promise<ApplyOutcome> {
  const isNamespaced = await namespaced(manifest);
  const metadata = { ...(manifest.metadata ?? {}) } as Record<string, unknown>;
  if (isNamespaced && !metadata['namespace']) metadata['namespace'] = defaultNamespace;
  const annotations = {
    ...((metadata['annotations'] as Record<string, string> | undefined) ?? {}),
    [LAST_APPLIED]: lastAppliedConfiguration(manifest),
  };
  const body = { ...manifest, metadata: { ...metadata, annotations } } as unknown as KubeResource;
  const ref = {
    apiVersion: manifest.apiVersion,
    kind: manifest.kind,
    metadata: {
      name: metadata['name'] as string,
      namespace: metadata['namespace'] as string | undefined,
    },
  };
  const existing = await client.get(ref);
  if (!existing) return { verb: 'create', object: await client.create(body) };
  return { verb: 'patch', object: await client.patch(ref, body, 'merge') };
}
