/** `notification`: a BGP NOTIFICATION (RFC 4271 4.5) was sent or received on a session. */
import { ScenarioErrorCode } from '../errors.js';
import { notificationByName, notificationNames } from '../notification-names.js';
import { checkNode, resolvePeer, sessionVrf } from '../references.js';
import { fail } from '../resources.js';
import type { CheckDef } from '../registry/types.js';
import type { TimelineEvent } from '../timeline.js';
import { sameSession } from './sessions.js';

export interface NotificationExpectation {
  kind: 'notification';
  node: string;
  peer: string;
  router?: string;
  /** The session's VRF: '' for the default VRF (see sessionVrf). */
  vrf: string;
  direction: 'sent' | 'received';
  /** RFC 4271 4.5 error code; subcode absent means "any subcode". */
  code: number;
  subcode?: number;
}

export const notificationCheck: CheckDef<NotificationExpectation> = {
  kind: 'notification',
  key: 'notification',
  definition: [
    'notificationExpectation',
    {
      type: 'object',
      additionalProperties: false,
      required: ['node', 'peer', 'direction'],
      description:
        "A BGP NOTIFICATION (RFC 4271 4.5) was sent or received by the node's speaker on its session with peer. Give code (and subcode) or name.",
      properties: {
        node: {
          $ref: '#/definitions/objectName',
        },
        peer: {
          type: 'string',
          description: "The peer's address or a router name.",
        },
        vrf: {
          type: 'string',
          description:
            "The session's VRF (`default` or a VRF name). Default: the VRF of the named router's segment, else the default VRF.",
        },
        direction: {
          enum: ['sent', 'received'],
          'x-expected': 'sent or received',
        },
        code: {
          type: 'integer',
          minimum: 1,
          maximum: 255,
        },
        subcode: {
          type: 'integer',
          minimum: 0,
          maximum: 255,
        },
        name: {
          type: 'string',
          description:
            'code/subcode by name, e.g. cease/bfd-down, hold-timer-expired, cease/administrative-shutdown.',
          examples: ['cease/bfd-down'],
        },
      },
    },
  ],
  parse(ctx, n, p) {
    let code = typeof n['code'] === 'number' ? n['code'] : undefined;
    let subcode = typeof n['subcode'] === 'number' ? n['subcode'] : undefined;
    if (typeof n['name'] === 'string') {
      const named = notificationByName(n['name']);
      if (!named) {
        fail(
          ctx,
          ScenarioErrorCode.BadValue,
          ctx.map.valueAt([...p, 'name']),
          `unknown NOTIFICATION name '${n['name']}': expected a name like ${notificationNames().slice(0, 3).join(', ')} or cease/bfd-down`,
        );
      } else if (
        (code !== undefined && code !== named.code) ||
        (subcode !== undefined && subcode !== named.subcode)
      ) {
        fail(
          ctx,
          ScenarioErrorCode.BadValue,
          ctx.map.valueAt([...p, 'name']),
          `name '${n['name']}' is code ${named.code}${named.subcode !== undefined ? ` subcode ${named.subcode}` : ''}, which contradicts code/subcode`,
        );
      } else {
        code = named.code;
        subcode = named.subcode;
      }
    } else if (code === undefined) {
      fail(
        ctx,
        ScenarioErrorCode.MissingField,
        ctx.map.valueAt(p),
        "missing required field 'code' or 'name'",
      );
    }
    const peer = resolvePeer(ctx, n['peer'], [...p, 'peer']);
    return {
      kind: 'notification',
      node: checkNode(ctx, n['node'], [...p, 'node']),
      ...peer,
      vrf: sessionVrf(ctx, n['vrf'], peer.router),
      direction: n['direction'] === 'received' ? 'received' : 'sent',
      code: code ?? 0,
      ...(subcode !== undefined ? { subcode } : {}),
    };
  },
  describe: (e) => `notification ${e.direction} ${e.node}/${e.peer}`,
  async check({ s }, e) {
    const msgs = s.timeline
      .events()
      .filter(
        (x): x is Extract<TimelineEvent, { kind: 'message' }> =>
          x.kind === 'message' &&
          x.notification !== undefined &&
          sameSession(x, e) &&
          x.direction === e.direction,
      );
    const ok = msgs.some(
      (m) =>
        m.notification!.code === e.code &&
        (e.subcode === undefined || m.notification!.subcode === e.subcode),
    );
    const name = `${e.code}/${e.subcode ?? '*'}`;
    return {
      ok,
      expected: `NOTIFICATION ${name} ${e.direction} by ${e.node} (peer ${e.peer}${e.vrf ? ` vrf ${e.vrf}` : ''})`,
      actual: msgs.length ? msgs.map((m) => m.notification!.name).join(', ') : 'none',
    };
  },
};
