/**
 * Scenarios: two FSMs joined by the in-memory harness (harness.ts) on one ManualClock. Every
 * timer runs in virtual time, so a 90 s hold timer takes microseconds and lands exactly.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/core/random.js';
import type { FsmConfig } from '../../../src/bgp/fsm/index.js';
import { Network } from './harness.js';
import { LOCAL_ASN, LOCAL_ID, PEER_ASN, PEER_ID } from './fixtures.js';

function pair(a: Partial<FsmConfig> = {}, b: Partial<FsmConfig> = {}): Network {
  return new Network(
    { localAsn: LOCAL_ASN, bgpId: LOCAL_ID, peerAsn: PEER_ASN, random: new SeededRandom(1), ...a },
    { localAsn: PEER_ASN, bgpId: PEER_ID, peerAsn: LOCAL_ASN, random: new SeededRandom(2), ...b },
  );
}

const path = (s: { transitions(): { to: string }[] }) => s.transitions().map((t) => t.to);

describe('session establishment', () => {
  it('active open meets passive open and both reach Established', () => {
    const net = pair();
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'ManualStart' });
    net.clock.advance(100);
    expect(path(net.a)).toEqual(['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(path(net.b)).toEqual(['Active', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(net.a.actions('SessionUp')).toHaveLength(1);
    const up = net.a.actions('SessionUp')[0]!;
    expect(up.negotiated.peerAsn).toBe(PEER_ASN);
    expect(up.negotiated.holdTimeSeconds).toBe(90);
    // SYN 5 ms, OPEN 5 ms, KEEPALIVE 5 ms: Established well inside 100 ms of virtual time.
    expect(net.a.log.find((e) => e.transition?.to === 'Established')!.at).toBeLessThanOrEqual(30);
    expect(net.a.state.connectionOrigin).toBe('local');
    expect(net.b.state.connectionOrigin).toBe('remote');
  });

  it('passive side reaches Established only because the peer connects', () => {
    const net = pair({ passive: true });
    net.a.feed({ type: 'ManualStart' }); // config passive -> Active, never connects
    net.clock.advance(600_000);
    expect(net.a.state.name).toBe('Active');
    expect(net.a.actions('ConnectTcp')).toHaveLength(0);
    net.b.feed({ type: 'ManualStart' });
    net.clock.advance(100);
    expect(net.a.state.name).toBe('Established');
    expect(net.b.state.name).toBe('Established');
  });

  it('both sides active: one connection wins, both reach Established', () => {
    const net = pair();
    net.a.feed({ type: 'ManualStart' });
    net.b.feed({ type: 'ManualStart' });
    net.clock.advance(100);
    expect(net.a.state.name).toBe('Established');
    expect(net.b.state.name).toBe('Established');
  });

  it('DelayOpen: the peer speaks first, we answer OPEN + KEEPALIVE from Active', () => {
    const net = pair({ passive: true, delayOpenTimeSeconds: 5 });
    net.a.feed({ type: 'ManualStart' });
    net.b.feed({ type: 'ManualStart' });
    net.clock.advance(100);
    expect(path(net.a)).toEqual(['Active', 'OpenConfirm', 'Established']);
    expect(net.a.state.name).toBe('Established');
    // RFC 4271 8.2.2 event 20: DelayOpenTimer stopped, OPEN then KEEPALIVE.
    const answer = net.a.log.find((e) => e.transition?.to === 'OpenConfirm')!;
    expect(answer.actions.map((x) => x.type).slice(0, 3)).toEqual([
      'StopTimer',
      'SendOpen',
      'SendKeepalive',
    ]);
  });

  it('connection refused: retries after ConnectRetryTimer (jittered 90-120 s) until the peer listens', () => {
    const net = pair();
    net.b.listening = false;
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'AutomaticStart' });
    net.clock.advance(10 * 60_000);
    expect(net.a.state.name).not.toBe('Established');
    const connects = net.a.actions('ConnectTcp').map((c) => c.at);
    expect(connects.length).toBeGreaterThan(3);
    net.b.listening = true;
    net.clock.advance(10 * 60_000);
    expect(net.a.state.name).toBe('Established');
  });
});

describe('timers', () => {
  it('hold timer expiry: sends 4/0 exactly 90 s after the last KEEPALIVE, peer goes Idle', () => {
    const net = pair();
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'ManualStart' });
    net.clock.advance(100);
    net.b.transmitKeepalives = false; // B's KEEPALIVEs get lost from now on
    const lastHeard = Math.max(
      ...net.a.log.filter((e) => e.event.type === 'KeepAliveMsg').map((e) => e.at),
    );
    net.clock.advance(200_000);
    const expiry = net.a.log.find((e) => e.event.type === 'HoldTimer_Expires')!;
    expect(expiry.at).toBe(lastHeard + 90_000);
    expect(expiry.transition).toEqual({
      from: 'Established',
      to: 'Idle',
      reason: 'hold-timer-expired',
    });
    expect(expiry.actions.find((x) => x.type === 'SendNotification')).toMatchObject({
      code: 4,
      subcode: 0,
    });
    expect(expiry.actions.map((x) => x.type)).toContain('SessionDown');
    const bDown = net.b.log.find((e) => e.transition?.from === 'Established')!;
    expect(bDown.transition!.reason).toEqual({
      kind: 'notification-received',
      code: 4,
      subcode: 0,
    });
  });

  it('keepalive cadence: every interval within [0.75, 1.0] x 30 s, and the jitter varies', () => {
    const net = pair();
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'ManualStart' });
    net.clock.advance(3_600_000);
    expect(net.a.state.name).toBe('Established');
    const sent = net.a.actions('SendKeepalive').map((k) => k.at);
    expect(sent.length).toBeGreaterThan(120);
    const gaps = sent.slice(2).map((t, i) => t - sent[i + 1]!);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(22_500);
      expect(g).toBeLessThanOrEqual(30_000);
    }
    expect(new Set(gaps).size).toBeGreaterThan(10);
    // B never lost the session: its hold timer never ran out.
    expect(net.b.log.some((e) => e.event.type === 'HoldTimer_Expires')).toBe(false);
  });

  it('hold time 3 s: keepalives at 1 s, never faster (RFC 4271 4.4), despite jitter', () => {
    const net = pair({ holdTimeSeconds: 3 }, { holdTimeSeconds: 3 });
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'ManualStart' });
    net.clock.advance(60_000);
    const sent = net.a.actions('SendKeepalive').map((k) => k.at);
    const gaps = sent.slice(2).map((t, i) => t - sent[i + 1]!);
    expect(gaps.length).toBeGreaterThan(50);
    expect(new Set(gaps)).toEqual(new Set([1000]));
    expect(net.a.state.name).toBe('Established');
  });

  it('hold time 0: Established with no KEEPALIVEs after OpenConfirm and no hold timer', () => {
    const net = pair({ holdTimeSeconds: 0 });
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'ManualStart' });
    net.clock.advance(3_600_000);
    expect(net.a.state.name).toBe('Established');
    expect(net.b.state.name).toBe('Established');
    expect(net.a.actions('SendKeepalive')).toHaveLength(1); // the one OpenSent -> OpenConfirm sends
    expect(net.a.state.timers.HoldTimer).toBe(false);
    expect(net.b.state.timers.KeepaliveTimer).toBe(false);
    expect(net.clock.pending()).toBe(0);
  });

  it('UPDATE sent restarts the KeepaliveTimer (RFC 4271 8.2.2 Established)', () => {
    const net = pair();
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'ManualStart' });
    net.clock.advance(100);
    // Send an UPDATE every 20 s for 10 minutes: no KEEPALIVE is due in between.
    const before = net.a.actions('SendKeepalive').length;
    for (let i = 0; i < 30; i++) {
      net.a.feed({ type: 'UpdateSent' });
      net.clock.advance(20_000);
    }
    expect(net.a.actions('SendKeepalive').length).toBe(before);
  });
});

describe('stops and NOTIFICATIONs', () => {
  it('ManualStop in Established: Cease/2 with shutdown communication, counter 0, stays down', () => {
    const net = pair({}, { idleHoldTimeSeconds: 1 });
    net.b.feed({ type: 'AutomaticStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'AutomaticStart' });
    net.clock.advance(100);
    net.a.feed({ type: 'ManualStop', shutdownCommunication: 'maintenance ✓' });
    net.clock.advance(600_000);
    const stop = net.a.log.find((e) => e.event.type === 'ManualStop')!;
    const n = stop.actions.find((x) => x.type === 'SendNotification');
    expect(n).toMatchObject({ code: 6, subcode: 2 });
    // RFC 8203 2: length octet, then UTF-8.
    const text = Buffer.from('maintenance ✓', 'utf8');
    expect(n && n.type === 'SendNotification' ? n.data : undefined).toEqual(
      Buffer.concat([Buffer.from([text.length]), text]),
    );
    expect(stop.transition?.reason).toBe('admin');
    expect(net.a.state.name).toBe('Idle');
    expect(net.a.state.connectRetryCounter).toBe(0);
    expect(net.a.actions('ConnectTcp')).toHaveLength(1); // no automatic restart after an admin stop
    // B saw Cease/2, restarted on its own and is waiting passively.
    expect(net.b.transitions().find((t) => t.from === 'Established')?.reason).toEqual({
      kind: 'notification-received',
      code: 6,
      subcode: 2,
    });
    expect(net.b.state.name).toBe('Active');
  });

  it('automatic restart with DampPeerOscillations doubles the idle hold up to its cap', () => {
    const net = pair({
      dampPeerOscillations: true,
      idleHoldTimeSeconds: 1,
      idleHoldMaxSeconds: 16,
    });
    net.b.listening = false;
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'AutomaticStart' });
    net.clock.advance(120_000);
    const holds = net.a
      .actions('StartTimer')
      .filter((t) => t.timer === 'IdleHoldTimer')
      .map((t) => t.ms);
    expect(holds.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16000, 16000, 16000]);
    // Once the peer listens and the session comes up, the next fault starts over at 1 s.
    net.b.listening = true;
    net.clock.advance(60_000);
    expect(net.a.state.name).toBe('Established');
    net.a.feed({ type: 'HoldTimer_Expires' });
    const next = net.a
      .actions('StartTimer')
      .filter((t) => t.timer === 'IdleHoldTimer')
      .at(-1);
    expect(next?.ms).toBe(1000);
  });
});

describe('BFD (RFC 9384)', () => {
  it('BfdDown in Established sends Cease/10, and the gate holds the session down until BfdUp', () => {
    const net = pair();
    net.b.feed({ type: 'AutomaticStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'AutomaticStart' });
    net.a.feed({ type: 'BfdUp' }); // the BFD session comes up beside BGP
    net.clock.advance(100);
    expect(net.a.state.name).toBe('Established');

    net.a.feed({ type: 'BfdDown' });
    const down = net.a.log.at(-1)!;
    expect(down.transition).toEqual({ from: 'Established', to: 'Idle', reason: 'bfd-down' });
    expect(down.actions.find((x) => x.type === 'SendNotification')).toMatchObject({
      code: 6,
      subcode: 10,
    });
    expect(down.actions.map((x) => x.type)).toContain('SessionDown');

    // Ten minutes later A is still Idle: no connection attempt, no timer armed, start parked.
    const connectsBefore = net.a.actions('ConnectTcp').length;
    net.clock.advance(600_000);
    expect(net.a.state.name).toBe('Idle');
    expect(net.a.actions('ConnectTcp')).toHaveLength(connectsBefore);
    expect(net.a.state.pendingStart).toEqual({ passive: false, automatic: true });
    expect(Object.values(net.a.state.timers).every((running) => !running)).toBe(true);
    // Even an explicit start waits for BFD.
    net.a.feed({ type: 'AutomaticStart' });
    expect(net.a.state.name).toBe('Idle');
    // The peer saw Cease/10 and went back to listening.
    expect(net.b.transitions().find((t) => t.from === 'Established')?.reason).toEqual({
      kind: 'notification-received',
      code: 6,
      subcode: 10,
    });

    net.a.feed({ type: 'BfdUp' });
    expect(net.a.log.at(-1)!.transition).toEqual({ from: 'Idle', to: 'Connect', reason: 'bfd-up' });
    net.clock.advance(100);
    expect(net.a.state.name).toBe('Established');
    expect(net.b.state.name).toBe('Established');
  });

  it('a BFD session that never came Up does not hold BGP down (FRR: Established, BFD Down)', () => {
    const net = pair();
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'BfdDown' });
    net.a.feed({ type: 'ManualStart' });
    net.clock.advance(100);
    net.a.feed({ type: 'BfdDown' });
    expect(net.a.state.name).toBe('Established');
    expect(net.a.state.bfd).toBe('unknown');
  });

  it('waitForBfd: a ManualStart waits for the first BfdUp', () => {
    const net = pair({ waitForBfd: true });
    net.b.feed({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    net.a.feed({ type: 'ManualStart' });
    net.clock.advance(60_000);
    expect(net.a.state.name).toBe('Idle');
    net.a.feed({ type: 'BfdUp' });
    net.clock.advance(100);
    expect(net.a.state.name).toBe('Established');
  });

  it('ManualStop while parked cancels the waiting start', () => {
    const net = pair({ waitForBfd: true });
    net.a.feed({ type: 'AutomaticStart' });
    net.a.feed({ type: 'ManualStop' });
    net.a.feed({ type: 'BfdUp' });
    net.clock.advance(60_000);
    expect(net.a.state.name).toBe('Idle');
    expect(net.a.actions('ConnectTcp')).toHaveLength(0);
  });
});
