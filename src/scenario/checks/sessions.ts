/**
 * `sessions`: the BGPSessionState of (node, peer) shows these states in this order, as the CR
 * showed them (every (BGP, BFD) pair observed through a watch).
 */
import { sessionPeerName } from '../../metallb/session-state.js';
import { checkNode, resolvePeer, sessionVrf } from '../references.js';
import type { CheckDef } from '../registry/types.js';
import type { SessionStateMatcher } from '../types.js';
import type { TimelineEvent } from '../timeline.js';

export interface SessionsExpectation {
  kind: 'sessions';
  node: string;
  /** The peer's address, as the BGPSessionState's PEER column shows it (before expansion). */
  peer: string;
  /** The router named in the scenario, when `peer` named one. */
  router?: string;
  /** The session's VRF as BGPSessionState names it: '' for the default VRF. */
  vrf: string;
  sequence: SessionStateMatcher[];
  /** Which observations count: all since the scenario started, or only since this step. */
  since: 'start' | 'step';
}

const BFD_TOKEN = /^BFD (.+)$/;

/** `Established` -> {bgp}, `BFD Down` -> {bfd}, a mapping as it is. */
export function sessionMatcher(token: unknown): SessionStateMatcher {
  if (typeof token === 'string') {
    const bfd = BFD_TOKEN.exec(token);
    return bfd
      ? { bfd: bfd[1] as SessionStateMatcher['bfd'] }
      : { bgp: token as SessionStateMatcher['bgp'] };
  }
  return token as SessionStateMatcher;
}

export function matcherText(m: SessionStateMatcher): string {
  if (m.bgp && m.bfd) return `${m.bgp}/BFD ${m.bfd}`;
  return m.bgp ?? `BFD ${m.bfd}`;
}

export function matches(m: SessionStateMatcher, o: { bgp: string; bfd: string }): boolean {
  return (!m.bgp || m.bgp === o.bgp) && (!m.bfd || m.bfd === o.bfd);
}

export const sessionsCheck: CheckDef<SessionsExpectation> = {
  kind: 'sessions',
  key: 'sessions',
  definition: [
    'sessionsExpectation',
    {
      type: 'object',
      additionalProperties: false,
      required: ['node', 'peer', 'sequence'],
      description:
        'The BGPSessionState of (node, peer) shows these states in this order. Observed values are the (BGP, BFD) column pairs each time either changes; other values may come between the listed ones. `Established` matches the BGP column, `BFD Down` the BFD column (so `[Established, BFD Down]` is a session that was Established and later showed BFD Down), and {bgp: Established, bfd: Down} both at once.',
      properties: {
        node: {
          $ref: '#/definitions/objectName',
        },
        peer: {
          type: 'string',
          description: "The peer's address, or the name of a router in the topology.",
          examples: ['r1', '198.18.0.1'],
        },
        vrf: {
          type: 'string',
          description:
            "The session's VRF (`default` or a VRF name): the same address may be a peer of several VRFs, each its own BGPSessionState. Default: the VRF of the named router's segment (its vrf or vrfSegment), else the default VRF.",
        },
        sequence: {
          type: 'array',
          minItems: 1,
          items: {
            $ref: '#/definitions/sessionMatcher',
          },
          examples: [['Active', 'Established', 'BFD Down', 'Established']],
        },
        since: {
          enum: ['start', 'step'],
          'x-expected': 'start or step',
          description:
            'Count observations since the scenario started (default) or since this step; right after an action step (a fault, apply, stopNode, ...) since that action started, so what it caused counts even if it happened while the action settled.',
        },
      },
    },
  ],
  parse: (ctx, s, p) => {
    const peer = resolvePeer(ctx, s['peer'], [...p, 'peer']);
    return {
      kind: 'sessions',
      node: checkNode(ctx, s['node'], [...p, 'node']),
      ...peer,
      vrf: sessionVrf(ctx, s['vrf'], peer.router),
      sequence: (s['sequence'] as unknown[]).map(sessionMatcher),
      since: s['since'] === 'step' ? 'step' : 'start',
    };
  },
  describe: (e) => `sessions ${e.node}/${e.peer}${e.vrf ? ` vrf ${e.vrf}` : ''}`,
  async check({ s, stepStart }, e) {
    const since = e.since === 'step' ? stepStart : -Infinity;
    const peer = sessionPeerName(e.peer);
    const all = s.observations.filter(
      (o) => o.node === e.node && o.peer === peer && o.vrf === e.vrf,
    );
    // From the state in force when the step began (the CR showed it then), onwards.
    const firstNew = all.findIndex((o) => o.t >= since);
    const from = firstNew < 0 ? Math.max(0, all.length - 1) : Math.max(0, firstNew - 1);
    const seen = e.since === 'step' ? all.slice(from) : all;
    let i = 0;
    for (const o of seen) {
      const m = e.sequence[i];
      if (m && matches(m, o)) i++;
    }
    const ok = i === e.sequence.length;
    const states = seen.length
      ? seen.map((o) => `${o.bgp}/BFD ${o.bfd}`).join(' -> ')
      : '<no BGPSessionState seen>';
    return {
      ok,
      expected: e.sequence.map(matcherText).join(' -> '),
      // A failed order is explained by what caused it: which side ended the session, and when.
      actual: ok ? states : `${states}${causes(s.timeline.events(), e, since)}`,
    };
  },
};

/** The speaker's BGP/BFD transitions and NOTIFICATIONs for one session since `since` (last 8). */
function causes(
  events: readonly TimelineEvent[],
  session: { node: string; peer: string; vrf: string },
  since: number,
): string {
  const lines: string[] = [];
  for (const x of events) {
    if (x.t < since || !isSessionEvent(x) || !sameSession(x, session)) continue;
    const at = `${Math.round(x.t)} ms`;
    if (x.kind === 'bgp-transition')
      lines.push(`${at} BGP ${x.from} -> ${x.to}${x.reason ? ` (${x.reason})` : ''}`);
    else if (x.kind === 'bfd-transition')
      lines.push(`${at} BFD ${x.from} -> ${x.to}${x.diagnostic ? ` (${x.diagnostic})` : ''}`);
    else if (x.kind === 'message' && x.notification)
      lines.push(`${at} NOTIFICATION ${x.notification.name} ${x.direction}`);
  }
  return lines.length ? `; meanwhile: ${lines.slice(-8).join(', ')}` : '';
}

type SessionEvent = Extract<
  TimelineEvent,
  { kind: 'bgp-transition' | 'bfd-transition' | 'message' }
>;

function isSessionEvent(x: TimelineEvent): x is SessionEvent {
  return x.kind === 'bgp-transition' || x.kind === 'bfd-transition' || x.kind === 'message';
}

/**
 * Whether a timeline event is of this session: node, peer address and VRF (the event's absent
 * vrf, the expectation's '', is the default VRF).
 */
export function sameSession(
  x: { node: string; peer: string; vrf?: string },
  session: { node?: string; peer?: string; vrf?: string },
): boolean {
  return (
    (session.node === undefined || x.node === session.node) &&
    (session.peer === undefined || x.peer === session.peer) &&
    (session.vrf === undefined || (x.vrf ?? '') === session.vrf)
  );
}
