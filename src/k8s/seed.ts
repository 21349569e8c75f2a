import type { SeedIdentity } from './api/resource-service.js';
import type { ApiServer } from './api-server.js';
import { SpeakersimError } from '../core/errors.js';
import type { KubeObject } from './resource-type.js';

/**
 * Seeding for scenarios and documentation replays: create an object exactly as a document
 * shows it — fixed uid, creationTimestamp, name (even one generateName would never produce,
 * like `worker2-rknga`), status already filled in, and a resourceVersion (`29080`) as long as
 * it is above the server's current counter (resourceVersions only grow).
 */

export class SeedError extends SpeakersimError {}

export interface SeedInit {
  uid?: string;
  creationTimestamp?: string;
  /** Wanted resourceVersion; ignored (next one used) when the counter is already past it. */
  resourceVersion?: number | string;
}

export function seedObject(server: ApiServer, obj: KubeObject, init: SeedInit = {}): KubeObject {
  const [group, version] = splitApiVersion(obj.apiVersion);
  const type = server.registry.findKind(group, version, String(obj.kind ?? ''));
  if (!type) {
    throw new SeedError(
      'ERR_K8S_SEED_UNKNOWN_KIND',
      `no served kind ${String(obj.kind)} in ${String(obj.apiVersion)}`,
    );
  }
  const identity: SeedIdentity = { keepStatus: true };
  if (init.uid) identity.uid = init.uid;
  if (init.creationTimestamp) identity.creationTimestamp = init.creationTimestamp;
  if (init.resourceVersion !== undefined) identity.resourceVersion = Number(init.resourceVersion);
  return server.service.create(
    type,
    obj.metadata?.namespace ?? '',
    obj,
    { fieldManager: 'speakersim-seed' },
    identity,
  );
}

/** Makes the next write get at least `rv` + 1 (to line later writes up with a document). */
export function raiseResourceVersion(server: ApiServer, rv: number): void {
  server.store.raiseRvFloor(rv);
}

function splitApiVersion(apiVersion: unknown): [string, string] {
  const text = String(apiVersion ?? '');
  const slash = text.indexOf('/');
  return slash < 0 ? ['', text] : [text.slice(0, slash), text.slice(slash + 1)];
}
