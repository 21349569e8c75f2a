/** `killDaemon` / `restartDaemon`: a router daemon is killed (SIGKILL) or restarted. */
import { checkRouter, type Raw } from '../references.js';
import type { ActionDef, InjectOptions } from '../registry/types.js';
import type { Daemon } from '../types.js';

export interface DaemonAction {
  kind: 'daemon';
  op: 'kill' | 'restart';
  router: string;
  daemon: Daemon;
}

const injected =
  (op: 'kill' | 'restart') =>
  (o: InjectOptions): DaemonAction => ({
    kind: 'daemon',
    op,
    router: o.router ?? 'r1',
    daemon: (o.daemon ?? 'bgpd') as Daemon,
  });

export const daemonAction: ActionDef<DaemonAction> = {
  kinds: ['daemon'],
  keys: {
    killDaemon: {
      $ref: '#/definitions/daemonTarget',
      description: 'Kill a router daemon (SIGKILL).',
    },
    restartDaemon: {
      $ref: '#/definitions/daemonTarget',
    },
  },
  definitions: {
    daemonTarget: {
      type: 'object',
      additionalProperties: false,
      required: ['router', 'daemon'],
      properties: {
        router: {
          $ref: '#/definitions/objectName',
        },
        daemon: {
          enum: ['bgpd', 'bfdd', 'zebra'],
          'x-expected': 'a daemon: bgpd, bfdd or zebra',
        },
      },
    },
  },
  parse(ctx, key, value, p) {
    const v = value as Raw;
    return {
      kind: 'daemon',
      op: key === 'killDaemon' ? 'kill' : 'restart',
      router: checkRouter(ctx, v['router'], [...p, 'router']),
      daemon: v['daemon'] as Daemon,
    };
  },
  describe: (a) => `${a.op} ${a.daemon} on ${a.router}`,
  async act({ s }, a) {
    s.record({
      kind: 'router-event',
      router: a.router,
      event: a.op === 'kill' ? 'daemon-killed' : 'daemon-restarted',
      daemon: a.daemon,
    });
    await s.peers.daemon(a.op, a.router, a.daemon);
  },
  inject: { kill: injected('kill'), restart: injected('restart') },
};
