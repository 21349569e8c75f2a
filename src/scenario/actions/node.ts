/** `stopNode` / `restartNode`: a node's speaker stops (sessions drop without NOTIFICATION) or restarts. */
import { checkNode } from '../references.js';
import type { ActionDef } from '../registry/types.js';

export interface NodeAction {
  kind: 'node';
  op: 'stop' | 'restart';
  node: string;
}

export const nodeAction: ActionDef<NodeAction> = {
  kinds: ['node'],
  keys: {
    stopNode: {
      $ref: '#/definitions/objectName',
      description: "Stop a node's speaker (its sessions go down without NOTIFICATION).",
    },
    restartNode: {
      $ref: '#/definitions/objectName',
    },
  },
  parse: (ctx, key, value, p) => ({
    kind: 'node',
    op: key === 'stopNode' ? 'stop' : 'restart',
    node: checkNode(ctx, value, p),
  }),
  describe: (a) => `${a.op} node ${a.node}`,
  async act({ s }, a) {
    s.record({ kind: 'fault', fault: `node-${a.op}`, node: a.node });
    if (a.op === 'stop') await s.runtime.stopNode(a.node);
    else await s.runtime.restartNode(a.node);
  },
  inject: {
    'node-stop': (o) => ({ kind: 'node', op: 'stop', node: o.node ?? '' }),
    'node-restart': (o) => ({ kind: 'node', op: 'restart', node: o.node ?? '' }),
  },
};
