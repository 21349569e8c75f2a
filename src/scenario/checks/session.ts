/**
 * `session`: sessions are in a state now: BGP and/or BFD, for one (node, peer), all peers of
 * a node, or every session. Now means the BGPSessionState CRs' latest values. Under
 * `consistently` it also reads the history: every BGPSessionState value the watch saw and
 * every BGP and BFD transition of the speakers' state machines (which a poll-mode
 * BGPSessionState, `pollSessionState`, would hide), so a flap between two polls fails it.
 */
import { sessionPeerName } from '../../metallb/session-state.js';
import { ScenarioErrorCode } from '../errors.js';
import { checkNode, resolvePeer, sessionVrf } from '../references.js';
import { fail } from '../resources.js';
import type { CheckDef } from '../registry/types.js';
import type { BfdSessionState } from '../timeline.js';
import type { SessionStateMatcher } from '../types.js';
import type { SessionObservation } from '../runner/session.js';
import { matcherText, matches, sameSession } from './sessions.js';

export interface SessionExpectation {
  kind: 'session';
  /** Absent: every node. */
  node?: string;
  /** The peer's address (a router name is resolved); absent: every peer. */
  peer?: string;
  router?: string;
  /**
   * The session's VRF ('' default); absent: every VRF. Set when a peer is named (see
   * sessionVrf), so the same address as a peer of another VRF is not mixed in.
   */
  vrf?: string;
  state: SessionStateMatcher;
}

/** RFC 5880 state names on the timeline -> BGPSessionState's BFD column. */
const BFD_COLUMN: Record<BfdSessionState, string> = {
  Up: 'Up',
  Down: 'Down',
  Init: 'Init',
  AdminDown: 'Admin Down',
};

function who(e: SessionExpectation): string {
  return `${e.node ?? 'every node'}/${e.peer ?? 'every peer'}${e.vrf ? ` vrf ${e.vrf}` : ''}`;
}

export const sessionCheck: CheckDef<SessionExpectation> = {
  kind: 'session',
  key: 'session',
  definition: [
    'sessionExpectation',
    {
      type: 'object',
      additionalProperties: false,
      description:
        'Sessions are in this state now (BGPSessionState): give bgp, bfd or both; node and peer narrow it (default: every session). Under consistently, every recorded change in the window counts too.',
      properties: {
        node: { $ref: '#/definitions/objectName' },
        peer: {
          type: 'string',
          description: 'The peer address or a router name; default: every peer.',
          examples: ['r1'],
        },
        vrf: {
          type: 'string',
          description:
            "The session's VRF (`default` or a VRF name). Default with a peer: the VRF of the named router's segment, else the default VRF; without one: every VRF.",
        },
        bgp: {
          enum: ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'],
          'x-expected': 'a BGP state',
        },
        bfd: {
          enum: ['Up', 'Down', 'Admin Down', 'Unknown', 'N/A'],
          'x-expected': 'a BFD state: Up, Down, Admin Down, Unknown or N/A',
        },
      },
      examples: [{ bgp: 'Established', bfd: 'Up' }],
    },
  ],
  parse(ctx, r, p) {
    if (r['bgp'] === undefined && r['bfd'] === undefined)
      fail(ctx, ScenarioErrorCode.MissingField, ctx.map.valueAt(p), "missing 'bgp' or 'bfd'");
    const peer: { peer?: string; router?: string } =
      r['peer'] !== undefined ? resolvePeer(ctx, r['peer'], [...p, 'peer']) : {};
    return {
      kind: 'session',
      ...(r['node'] !== undefined ? { node: checkNode(ctx, r['node'], [...p, 'node']) } : {}),
      ...peer,
      ...(r['peer'] !== undefined || r['vrf'] !== undefined
        ? { vrf: sessionVrf(ctx, r['vrf'], peer.router) }
        : {}),
      state: {
        ...(r['bgp'] !== undefined ? { bgp: r['bgp'] as SessionStateMatcher['bgp'] } : {}),
        ...(r['bfd'] !== undefined ? { bfd: r['bfd'] as SessionStateMatcher['bfd'] } : {}),
      },
    };
  },
  describe: (e) => `session ${who(e)} ${matcherText(e.state)}`,
  async check({ s }, e) {
    const peer = e.peer !== undefined ? sessionPeerName(e.peer) : undefined;
    const latest = new Map<string, SessionObservation>();
    for (const o of s.observations)
      if (sameSession(o, { node: e.node, peer, vrf: e.vrf }))
        latest.set(`${o.node} ${o.vrf} ${o.peer}`, o);
    const wrong = [...latest.values()].filter((o) => !matches(e.state, o));
    return {
      ok: latest.size > 0 && wrong.length === 0,
      expected: `${who(e)} ${matcherText(e.state)}`,
      actual: latest.size
        ? [...latest.values()]
            .map((o) => `${o.node}/${o.peer}${o.vrf ? ` vrf ${o.vrf}` : ''} ${o.bgp}/BFD ${o.bfd}`)
            .join(', ')
        : '<no BGPSessionState seen>',
    };
  },
  history({ s }, e, from) {
    const peer = e.peer !== undefined ? sessionPeerName(e.peer) : undefined;
    const problems: string[] = [];
    for (const o of s.observations) {
      if (o.t < from || !sameSession(o, { node: e.node, peer, vrf: e.vrf })) continue;
      if (!matches(e.state, o))
        problems.push(
          `+${Math.round(o.t)}ms BGPSessionState ${o.node}/${o.peer} ${o.bgp}/BFD ${o.bfd}`,
        );
    }
    for (const ev of s.timeline.events()) {
      if (ev.t < from || (ev.kind !== 'bgp-transition' && ev.kind !== 'bfd-transition')) continue;
      if (!sameSession(ev, e)) continue;
      if (ev.kind === 'bgp-transition' && e.state.bgp && ev.to !== e.state.bgp)
        problems.push(`+${Math.round(ev.t)}ms ${ev.node}/${ev.peer} BGP ${ev.from} -> ${ev.to}`);
      if (ev.kind === 'bfd-transition' && e.state.bfd && BFD_COLUMN[ev.to] !== e.state.bfd)
        problems.push(`+${Math.round(ev.t)}ms ${ev.node}/${ev.peer} BFD ${ev.from} -> ${ev.to}`);
    }
    return {
      ok: problems.length === 0,
      expected: `${who(e)} ${matcherText(e.state)}`,
      actual: problems.join('; '),
    };
  },
};
