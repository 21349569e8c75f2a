/**
 * RFC 4271 6.8 connection collision, both ways: two FSMs for one peer (our outgoing
 * connection and the peer's incoming one); the runtime asks resolveCollision which to drop
 * and feeds OpenCollisionDump to that FSM.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionOrigin, FsmState } from '../../../src/bgp/fsm/index.js';
import { initialState, resolveCollision, step } from '../../../src/bgp/fsm/index.js';
import { describeAction } from './describe.js';
import { LOCAL_ASN, PEER_ASN, config, peerOpen, run } from './fixtures.js';

describe('resolveCollision', () => {
  it.each([
    // local id, remote id, local AS, remote AS -> keep
    ['198.18.0.2', '198.18.0.1', 64512, 64513, 'local'], // RFC 4271 6.8: higher id keeps its own
    ['198.18.0.1', '198.18.0.2', 64512, 64513, 'remote'],
    ['10.0.0.1', '9.255.255.255', 1, 2, 'local'], // compared as integers, not strings
    ['128.0.0.0', '127.255.255.255', 1, 2, 'local'], // unsigned: the top bit is not a sign
    ['198.18.0.1', '198.18.0.1', 64512, 64513, 'remote'], // RFC 6286 2.3: equal ids, larger AS keeps
    ['198.18.0.1', '198.18.0.1', 64513, 64512, 'local'],
  ] as const)('%s vs %s (AS %s vs %s) keeps %s', (l, r, la, ra, keep) => {
    const d = resolveCollision({ localBgpId: l, remoteBgpId: r, localAsn: la, remoteAsn: ra });
    expect(d.keep).toBe(keep);
    expect(d.dump).toBe(keep === 'local' ? 'remote' : 'local');
  });
});

/** Our outgoing connection in OpenConfirm and the peer's incoming one in OpenSent. */
function twoConnections(localId: string): Record<ConnectionOrigin, FsmState> {
  const cfg = () => config({ bgpId: localId });
  const local = run(initialState(cfg()), [
    { type: 'ManualStart' },
    { type: 'Tcp_CR_Acked' },
    { type: 'BGPOpen', open: peerOpen() },
  ]).state;
  const remote = run(initialState(cfg()), [
    { type: 'ManualStart_with_PassiveTcpEstablishment' },
    { type: 'TcpConnectionConfirmed' },
  ]).state;
  expect([local.name, local.connectionOrigin, remote.name, remote.connectionOrigin]).toEqual([
    'OpenConfirm',
    'local',
    'OpenSent',
    'remote',
  ]);
  return { local, remote };
}

describe('collision both ways', () => {
  it.each([
    ['198.18.0.9', 'local'], // our id is higher than the peer's 198.18.0.2: keep ours
    ['198.18.0.1', 'remote'], // ours is lower: keep the peer's
  ] as const)('local id %s keeps the %s connection', (localId, keep) => {
    const conns = twoConnections(localId);
    // The OPEN arrives on the incoming connection while the outgoing one is in OpenConfirm.
    const incoming = step(conns.remote, { type: 'BGPOpen', open: peerOpen() });
    expect(incoming.state.name).toBe('OpenConfirm');
    const decision = resolveCollision({
      localBgpId: localId,
      remoteBgpId: incoming.state.negotiated!.peerBgpId,
      localAsn: LOCAL_ASN,
      remoteAsn: PEER_ASN,
    });
    expect(decision.keep).toBe(keep);
    const after = { ...conns, remote: incoming.state };
    const dumped = step(after[decision.dump], { type: 'OpenCollisionDump' });
    expect(dumped.state.name).toBe('Idle');
    expect(dumped.transition?.reason).toBe('collision');
    // RFC 4271 6.8: the losing connection is closed with Cease / Connection Collision Resolution.
    expect(dumped.actions.map(describeAction)).toContain('SendNotification:6/7');
    expect(dumped.actions.at(-1)?.type).toBe('DropTcp');
    // The survivor goes on to Established on the peer's KEEPALIVE.
    const kept = step(after[decision.keep], { type: 'KeepAliveMsg' });
    expect(kept.state.name).toBe('Established');
  });
});
