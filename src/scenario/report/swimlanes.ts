/**
 * Turns a timeline into swimlanes, one per (node, peer) session: the BGP state as segments
 * over time, BFD state segments, and point markers for BFD changes and NOTIFICATIONs. The
 * HTML reporter draws them as SVG; keeping the geometry-free model apart keeps both small.
 */
import { sessionPeerName } from '../../metallb/session-state.js';
import type { BfdSessionState, ResourceChangeEvent, TimelineEvent } from '../timeline.js';

/** BGPSessionState's BFD column -> RFC 5880 state; N/A and Unknown: no BFD session to draw. */
const BFD_FROM_COLUMN: Record<string, BfdSessionState> = {
  Up: 'Up',
  Down: 'Down',
  Init: 'Init',
  'Admin Down': 'AdminDown',
};

export interface Segment<S extends string> {
  from: number;
  to: number;
  state: S;
}

export interface Marker {
  t: number;
  kind: 'bfd' | 'notification';
  label: string;
}

export interface Lane {
  node: string;
  peer: string;
  /** The session's VRF; absent for the default VRF. */
  vrf?: string;
  bgp: Segment<string>[];
  bfd: Segment<BfdSessionState>[];
  markers: Marker[];
}

interface LaneBuilder {
  lane: Lane;
  bgpState?: { state: string; since: number };
  bfdState?: { state: BfdSessionState; since: number };
}

/** Lanes in order of first appearance; segments end at `endT` for the current state. */
export function buildLanes(events: readonly TimelineEvent[], endT: number): Lane[] {
  const lanes = new Map<string, LaneBuilder>();
  const get = (node: string, peer: string, vrf?: string): LaneBuilder => {
    const key = `${node}\u0000${vrf ?? ''}\u0000${peer}`;
    let b = lanes.get(key);
    if (!b) {
      b = { lane: { node, peer, ...(vrf ? { vrf } : {}), bgp: [], bfd: [], markers: [] } };
      lanes.set(key, b);
    }
    return b;
  };
  // BGPSessionState objects by namespace/name: which (node, peer) each one is.
  const crSessions = new Map<string, { node?: string; peer?: string; vrf?: string }>();
  /**
   * A BFD session that never changes state (Down from the start: the peer never answers)
   * has no transition on the timeline; the BGPSessionState's BFD column still shows it.
   */
  const fromSessionState = (ev: ResourceChangeEvent): void => {
    const key = `${ev.namespace ?? ''}/${ev.name}`;
    const info = crSessions.get(key) ?? {};
    crSessions.set(key, info);
    // A new object's status comes as one `.status` change; later ones field by field.
    const status: Record<string, unknown> = {};
    for (const c of ev.changes) {
      if (c.path === '.status' && c.to && typeof c.to === 'object') Object.assign(status, c.to);
      else if (c.path.startsWith('.status.')) status[c.path.slice(8)] = c.to;
    }
    if (typeof status['node'] === 'string') info.node = status['node'];
    if (typeof status['peer'] === 'string') info.peer = status['peer'];
    if (typeof status['vrf'] === 'string' && status['vrf'] !== '') info.vrf = status['vrf'];
    const bfd = typeof status['bfdStatus'] === 'string' ? status['bfdStatus'] : undefined;
    const state = bfd !== undefined ? BFD_FROM_COLUMN[bfd] : undefined;
    if (!state || !info.node || !info.peer) return;
    // The lane the BGP transitions opened (keyed by address) when there is one.
    const lane = [...lanes.values()].find(
      (b) =>
        b.lane.node === info.node &&
        sessionPeerName(b.lane.peer) === info.peer &&
        b.lane.vrf === info.vrf,
    );
    const b = lane ?? get(info.node, info.peer, info.vrf);
    if (!b.bfdState) b.bfdState = { state, since: ev.t };
  };
  for (const ev of events) {
    if (ev.kind === 'resource-change' && ev.resourceKind === 'BGPSessionState') {
      fromSessionState(ev);
    } else if (ev.kind === 'bgp-transition') {
      const b = get(ev.node, ev.peer, ev.vrf);
      const prior = b.bgpState ?? { state: ev.from, since: 0 };
      if (ev.t > prior.since) b.lane.bgp.push({ from: prior.since, to: ev.t, state: prior.state });
      b.bgpState = { state: ev.to, since: ev.t };
    } else if (ev.kind === 'bfd-transition') {
      const b = get(ev.node, ev.peer, ev.vrf);
      const prior = b.bfdState ?? { state: ev.from, since: 0 };
      if (ev.t > prior.since) b.lane.bfd.push({ from: prior.since, to: ev.t, state: prior.state });
      b.bfdState = { state: ev.to, since: ev.t };
      b.lane.markers.push({
        t: ev.t,
        kind: 'bfd',
        label: `BFD ${ev.from} -> ${ev.to}${ev.diagnostic ? ` (${ev.diagnostic})` : ''}`,
      });
    } else if (ev.kind === 'message' && ev.notification) {
      get(ev.node, ev.peer, ev.vrf).lane.markers.push({
        t: ev.t,
        kind: 'notification',
        label: `NOTIFICATION ${ev.direction} ${ev.notification.name} (${ev.notification.code}/${ev.notification.subcode})`,
      });
    }
  }
  for (const b of lanes.values()) {
    if (b.bgpState && endT >= b.bgpState.since) {
      b.lane.bgp.push({ from: b.bgpState.since, to: endT, state: b.bgpState.state });
    }
    if (b.bfdState && endT >= b.bfdState.since) {
      b.lane.bfd.push({ from: b.bfdState.since, to: endT, state: b.bfdState.state });
    }
  }
  return [...lanes.values()].map((b) => b.lane);
}
