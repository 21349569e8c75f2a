/** `apply`: create or update resources, like `kubectl apply`. */
import { loadResourceSource } from '../resources.js';
import type { ActionDef } from '../registry/types.js';
import type { ResourceSet } from '../types.js';

export interface ApplyAction {
  kind: 'apply';
  resources: ResourceSet;
}

export const applyAction: ActionDef<ApplyAction> = {
  kinds: ['apply'],
  keys: {
    apply: {
      $ref: '#/definitions/resourceSource',
      description: 'Create or update resources, like kubectl apply.',
    },
  },
  parse: (ctx, _key, value, path) => ({
    kind: 'apply',
    resources: loadResourceSource(ctx, value, path),
  }),
  describe: (a) =>
    `apply ${a.resources.manifests.map((m) => `${m.kind}/${m.metadata?.name ?? '?'}`).join(', ')}`,
  async act({ s }, a) {
    for (const m of a.resources.manifests) await s.apply(m, 'scenario');
  },
};
