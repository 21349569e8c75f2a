/**
 * Shared test inputs: configs, peer OPENs, and a way to put an FSM into each RFC 4271 state by
 * feeding it real events (so the table tests start from states the FSM itself produced).
 */
import { SeededRandom } from '../../../src/core/random.js';
import type { FsmConfig, FsmEvent, FsmState, StepResult } from '../../../src/bgp/fsm/index.js';
import { initialState, step } from '../../../src/bgp/fsm/index.js';
import type { OpenMessage } from '../../../src/bgp/wire/types.js';

export const LOCAL_ASN = 64512;
export const PEER_ASN = 64513;
export const LOCAL_ID = '198.18.0.1';
export const PEER_ID = '198.18.0.2';

export function config(overrides: Partial<FsmConfig> = {}): FsmConfig {
  return {
    localAsn: LOCAL_ASN,
    bgpId: LOCAL_ID,
    peerAsn: PEER_ASN,
    holdTimeSeconds: 90,
    random: new SeededRandom(7),
    ...overrides,
  };
}

export function peerOpen(overrides: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 'OPEN',
    version: 4,
    myAsn: PEER_ASN,
    holdTime: 90,
    bgpId: PEER_ID,
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn: PEER_ASN },
    ],
    ...overrides,
  };
}

export function notif(code: number, subcode: number): FsmEvent {
  return {
    type: 'NotifMsg',
    notification: { type: 'NOTIFICATION', code, subcode, data: Buffer.alloc(0) },
  };
}

/** Feeds events in order; returns the last result (with all actions of the last step). */
export function run(state: FsmState, events: FsmEvent[]): StepResult {
  let result: StepResult = { state, actions: [] };
  for (const e of events) result = step(result.state, e);
  return result;
}

export type Reachable = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** The events that lead from a fresh Idle FSM to `target` (active open, no DelayOpen). */
export function pathTo(target: Reachable): FsmEvent[] {
  const paths: Record<Reachable, FsmEvent[]> = {
    Idle: [],
    Connect: [{ type: 'ManualStart' }],
    Active: [{ type: 'ManualStart_with_PassiveTcpEstablishment' }],
    OpenSent: [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked' }],
    OpenConfirm: [
      { type: 'ManualStart' },
      { type: 'Tcp_CR_Acked' },
      { type: 'BGPOpen', open: peerOpen() },
    ],
    Established: [
      { type: 'ManualStart' },
      { type: 'Tcp_CR_Acked' },
      { type: 'BGPOpen', open: peerOpen() },
      { type: 'KeepAliveMsg' },
    ],
  };
  return paths[target];
}

/** A fresh FSM driven into `target`. */
export function stateIn(target: Reachable, overrides: Partial<FsmConfig> = {}): FsmState {
  const state = run(initialState(config(overrides)), pathTo(target)).state;
  if (state.name !== target) throw new Error(`fixture did not reach ${target}: ${state.name}`);
  return state;
}
