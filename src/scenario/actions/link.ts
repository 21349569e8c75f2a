/** `linkDown` / `linkUp`: a router's link (or its path to one node) goes down or up. */
import { checkNode, checkRouter, type Raw } from '../references.js';
import type { ActionDef } from '../registry/types.js';

export interface LinkAction {
  kind: 'link';
  state: 'down' | 'up';
  router: string;
  node?: string;
}

export const linkAction: ActionDef<LinkAction> = {
  kinds: ['link'],
  keys: {
    linkDown: {
      $ref: '#/definitions/linkTarget',
      description: "Take a router's link (or its path to one node) down.",
    },
    linkUp: {
      $ref: '#/definitions/linkTarget',
    },
  },
  definitions: {
    linkTarget: {
      type: 'object',
      additionalProperties: false,
      required: ['router'],
      properties: {
        router: {
          $ref: '#/definitions/objectName',
          description: 'The router whose link goes down or up.',
        },
        node: {
          $ref: '#/definitions/objectName',
          description:
            "Only the path between this node and the router; default: the router's whole link.",
        },
      },
    },
  },
  parse(ctx, key, value, p) {
    const v = value as Raw;
    return {
      kind: 'link',
      state: key === 'linkDown' ? 'down' : 'up',
      router: checkRouter(ctx, v['router'], [...p, 'router']),
      ...(v['node'] !== undefined ? { node: checkNode(ctx, v['node'], [...p, 'node']) } : {}),
    };
  },
  describe: (a) => `link ${a.state} ${a.router}${a.node ? `-${a.node}` : ''}`,
  async act({ s }, a) {
    s.record({
      kind: 'fault',
      fault: `link-${a.state}`,
      router: a.router,
      ...(a.node ? { node: a.node } : {}),
    });
    await s.peers.link(a.router, a.state, a.node);
  },
  inject: {
    'link-down': (o) => linkOf('down', o),
    'link-up': (o) => linkOf('up', o),
  },
};

function linkOf(state: 'down' | 'up', o: { router?: string; node?: string }): LinkAction {
  return { kind: 'link', state, router: o.router ?? 'r1', ...(o.node ? { node: o.node } : {}) };
}
