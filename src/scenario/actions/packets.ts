/** `drop` / `restore`: BGP or BFD packets between a router and the nodes are dropped or flow again. */
import { checkNode, checkRouter, type Raw } from '../references.js';
import type { ActionDef, InjectOptions } from '../registry/types.js';
import type { DropDirection } from '../types.js';

export interface PacketsAction {
  kind: 'packets';
  mode: 'drop' | 'restore';
  protocol: 'bgp' | 'bfd';
  router: string;
  node?: string;
  direction: DropDirection;
}

function injected(mode: 'drop' | 'restore', protocol: 'bgp' | 'bfd') {
  return (o: InjectOptions): PacketsAction => ({
    kind: 'packets',
    mode,
    protocol,
    router: o.router ?? 'r1',
    direction: 'both',
    ...(o.node ? { node: o.node } : {}),
  });
}

export const packetsAction: ActionDef<PacketsAction> = {
  kinds: ['packets'],
  keys: {
    drop: {
      $ref: '#/definitions/packetFilter',
      description: 'Drop BGP or BFD packets between a router and the nodes.',
    },
    restore: {
      $ref: '#/definitions/packetFilter',
      description: 'Stop dropping what an earlier drop dropped.',
    },
  },
  definitions: {
    packetFilter: {
      type: 'object',
      additionalProperties: false,
      required: ['protocol', 'router'],
      properties: {
        protocol: {
          enum: ['bgp', 'bfd'],
          'x-expected': 'a protocol: bgp or bfd',
          description: "bgp: TCP to or from the router's BGP port; bfd: UDP 3784 and 4784.",
        },
        router: {
          $ref: '#/definitions/objectName',
        },
        node: {
          $ref: '#/definitions/objectName',
          description: "Only this node's session with the router; default: all nodes.",
        },
        direction: {
          enum: ['both', 'to-node', 'to-router'],
          'x-expected': 'a direction: both, to-node or to-router',
          description: 'Default both.',
        },
      },
    },
  },
  parse(ctx, key, value, p) {
    const v = value as Raw;
    return {
      kind: 'packets',
      mode: key as 'drop' | 'restore',
      protocol: v['protocol'] as 'bgp' | 'bfd',
      router: checkRouter(ctx, v['router'], [...p, 'router']),
      ...(v['node'] !== undefined ? { node: checkNode(ctx, v['node'], [...p, 'node']) } : {}),
      direction: (v['direction'] as DropDirection) ?? 'both',
    };
  },
  describe: (a) => `${a.mode} ${a.protocol} ${a.router}${a.node ? `-${a.node}` : ''}`,
  async act({ s }, a) {
    s.record({
      kind: 'fault',
      fault: a.mode,
      router: a.router,
      ...(a.node ? { node: a.node } : {}),
      detail: `${a.protocol}${a.direction !== 'both' ? ` ${a.direction}` : ''}`,
    });
    const nodes = a.node ? s.scenario.topology.nodes.filter((n) => n.name === a.node) : [undefined];
    for (const n of nodes) {
      const addrs = n
        ? [n.addresses.ipv4?.address, n.addresses.ipv6?.address].filter((x): x is string => !!x)
        : [undefined];
      for (const peer of addrs)
        await s.peers.packets(a.mode, a.protocol, a.router, peer, a.direction);
    }
  },
  inject: {
    'drop-bgp': injected('drop', 'bgp'),
    'drop-bfd': injected('drop', 'bfd'),
    'restore-bgp': injected('restore', 'bgp'),
    'restore-bfd': injected('restore', 'bfd'),
  },
};
