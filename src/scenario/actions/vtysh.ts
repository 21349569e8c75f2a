/** `vtysh`: run vtysh commands on a router. */
import { checkRouter, type Raw } from '../references.js';
import type { ActionDef } from '../registry/types.js';

export interface VtyshAction {
  kind: 'vtysh';
  router: string;
  commands: string[];
}

export const vtyshAction: ActionDef<VtyshAction> = {
  kinds: ['vtysh'],
  keys: {
    vtysh: {
      $ref: '#/definitions/vtyshAction',
    },
  },
  definitions: {
    vtyshAction: {
      type: 'object',
      additionalProperties: false,
      required: ['router', 'command'],
      properties: {
        router: {
          $ref: '#/definitions/objectName',
        },
        command: {
          type: ['string', 'array'],
          items: {
            type: 'string',
          },
          'x-expected': 'a vtysh command or a list of them',
          examples: [
            'clear bgp *',
            ['configure terminal', 'router bgp 64500', 'neighbor 198.18.0.10 shutdown'],
          ],
        },
      },
    },
  },
  parse(ctx, _key, value, p) {
    const v = value as Raw;
    return {
      kind: 'vtysh',
      router: checkRouter(ctx, v['router'], [...p, 'router']),
      commands: Array.isArray(v['command']) ? (v['command'] as string[]) : [String(v['command'])],
    };
  },
  describe: (a) => `vtysh ${a.router}: ${a.commands.join('; ')}`,
  async act({ s }, a) {
    s.record({
      kind: 'router-event',
      router: a.router,
      event: 'vtysh',
      detail: a.commands.join('; '),
    });
    return { output: await s.peers.vtysh(a.router, a.commands) };
  },
  inject: {
    vtysh: (o) => ({ kind: 'vtysh', router: o.router ?? 'r1', commands: o.command ?? [] }),
  },
};
