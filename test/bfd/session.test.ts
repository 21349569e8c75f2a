import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import {
  BfdAuthType,
  BfdDiagnostic,
  BfdSession,
  BfdSessionTable,
  BfdState,
  InMemoryBfdNetwork,
  createBfdSession,
  encodeControlPacket,
  type BfdAuthConfig,
  type BfdControlPacket,
  type BfdDatagram,
} from '../../src/bfd/index.js';
import { A_ADDR, B_ADDR, controlPacket, memoryPair } from './harness.js';

describe('BFD session runtime on a ManualClock', () => {
  it('comes Up through Init, emitting typed events in order', async () => {
    const p = await memoryPair();
    const seen: string[] = [];
    p.a.on('init', (e) => seen.push(`init:${e.diagnostic}`));
    p.a.on('up', (e) => seen.push(`up:${e.diagnostic}`));
    p.b.on('up', () => seen.push('b-up'));
    p.clock.advance(5_000);
    expect(p.a.state).toBe(BfdState.Up);
    expect(p.b.state).toBe(BfdState.Up);
    expect(seen.filter((s) => s.startsWith('up') || s === 'b-up')).toHaveLength(2);
    expect(p.a.remoteDiscriminator).toBe(p.b.localDiscriminator);
    expect(p.a.counters.packetsSent).toBeGreaterThan(0);
    expect(p.a.counters.packetsReceived).toBeGreaterThan(0);
    await p.close();
  });

  it('AdminDown is told to the peer (its Diag 3, remote Diag 7) and undone by adminUp', async () => {
    const p = await memoryPair();
    p.clock.advance(5_000);
    const downs: { diag: BfdDiagnostic; remote: BfdDiagnostic }[] = [];
    p.b.on('down', (e) => downs.push({ diag: e.diagnostic, remote: e.remoteDiagnostic }));
    let adminEvents = 0;
    p.a.on('adminDown', () => adminEvents++);
    p.a.adminDown();
    expect(p.a.state).toBe(BfdState.AdminDown);
    expect(p.a.diagnostic).toBe(BfdDiagnostic.AdministrativelyDown);
    expect(adminEvents).toBe(1);
    p.clock.advance(2_000);
    expect(downs).toEqual([
      {
        diag: BfdDiagnostic.NeighborSignaledSessionDown,
        remote: BfdDiagnostic.AdministrativelyDown,
      },
    ]);
    expect(p.b.state).toBe(BfdState.Down);
    // AdminDown keeps transmitting (6.8.16) and discards what it receives.
    expect(p.a.counters.discards['local-admin-down']).toBeGreaterThan(0);
    p.a.adminUp();
    p.clock.advance(5_000);
    expect(p.a.state).toBe(BfdState.Up);
    expect(p.b.state).toBe(BfdState.Up);
    await p.close();
  });

  it('passive waits for the peer (6.1); two passive sessions never speak', async () => {
    const one = await memoryPair({ a: { passive: true } });
    one.clock.advance(500);
    expect(one.sent.filter((s) => s.from === A_ADDR)).toHaveLength(0);
    one.clock.advance(5_000);
    expect(one.a.state).toBe(BfdState.Up);
    await one.close();
    const both = await memoryPair({ a: { passive: true }, b: { passive: true } });
    both.clock.advance(30_000);
    expect(both.sent).toHaveLength(0);
    expect(both.a.state).toBe(BfdState.Down);
    await both.close();
  });

  it('stop() goes silent and the peer times out with Diag 1', async () => {
    const p = await memoryPair();
    p.clock.advance(5_000);
    await p.a.stop();
    const diags: BfdDiagnostic[] = [];
    p.b.on('down', (e) => diags.push(e.diagnostic));
    p.clock.advance(2_000);
    expect(diags).toEqual([BfdDiagnostic.ControlDetectionTimeExpired]);
    await p.close();
  });

  for (const type of [
    BfdAuthType.SimplePassword,
    BfdAuthType.KeyedMd5,
    BfdAuthType.MeticulousKeyedMd5,
    BfdAuthType.KeyedSha1,
    BfdAuthType.MeticulousKeyedSha1,
  ] as const) {
    it(`comes Up with auth type ${type} and stays Up for a minute`, async () => {
      const auth: BfdAuthConfig = { type, keys: [{ keyId: 9, secret: 'k3y' }] };
      const p = await memoryPair({ a: { auth }, b: { auth } });
      p.clock.advance(65_000);
      expect(p.a.state).toBe(BfdState.Up);
      expect(p.a.counters.downTransitions).toBe(0);
      expect(p.b.counters.discards['auth-sequence-out-of-window']).toBe(0);
      expect(p.sent.every((s) => s.packet.auth?.type === type)).toBe(true);
      await p.close();
    });
  }

  it('discards packets with a wrong key or without auth, counted by reason', async () => {
    const wrong = await memoryPair({
      a: { auth: { type: BfdAuthType.KeyedSha1, keys: [{ keyId: 1, secret: 'a' }] } },
      b: { auth: { type: BfdAuthType.KeyedSha1, keys: [{ keyId: 1, secret: 'b' }] } },
    });
    wrong.clock.advance(5_000);
    expect(wrong.a.state).toBe(BfdState.Down);
    expect(wrong.a.counters.discards['auth-digest-mismatch']).toBeGreaterThan(0);
    await wrong.close();
    const missing = await memoryPair({
      a: { auth: { type: BfdAuthType.KeyedMd5, keys: [{ keyId: 1, secret: 'a' }] } },
    });
    missing.clock.advance(5_000);
    expect(missing.a.counters.discards['auth-missing']).toBeGreaterThan(0);
    expect(missing.b.counters.discards['auth-unexpected']).toBeGreaterThan(0);
    await missing.close();
  });

  it('refuses a replayed meticulous packet (6.7.3 sequence window)', async () => {
    const auth: BfdAuthConfig = {
      type: BfdAuthType.MeticulousKeyedSha1,
      keys: [{ keyId: 3, secret: 's' }],
    };
    const p = await memoryPair({ a: { auth }, b: { auth } });
    let captured: BfdDatagram | undefined;
    p.taps.push((d) => {
      if (d.from.address === B_ADDR) captured = d;
    });
    p.clock.advance(5_000);
    expect(captured).toBeDefined();
    const reason = p.tableA.handleDatagram({ ...captured!, to: { address: A_ADDR, port: 3784 } });
    expect(reason).toBe('auth-sequence-out-of-window');
    await p.close();
  });

  it('stops periodic packets while the Up peer asks for Demand mode (6.6), still answers Polls', async () => {
    const clock = new ManualClock();
    const random = new SeededRandom(3);
    const net = new InMemoryBfdNetwork({ clock, random });
    const transport = await net.createTransport({ localAddress: A_ADDR });
    const sent: BfdDatagram[] = [];
    net.setFilter((d) => {
      sent.push(d);
      return false;
    });
    const s = createBfdSession({ localAddress: A_ADDR, peerAddress: B_ADDR })({
      clock,
      random,
      channel: await transport.openTxChannel(),
      localDiscriminator: 5,
    });
    s.start();
    const peer = (state: BfdState, extra: Partial<BfdControlPacket> = {}): void => {
      const p = controlPacket({ state, myDiscriminator: 77, yourDiscriminator: 5, ...extra });
      s.receive(p, encodeControlPacket(p));
    };
    peer(BfdState.Init);
    expect(s.state).toBe(BfdState.Up);
    peer(BfdState.Up, { final: true }); // ends our Up poll
    peer(BfdState.Up, { demand: true });
    const before = sent.length;
    for (let i = 0; i < 20; i++) {
      clock.advance(500);
      peer(BfdState.Up, { demand: true }); // keep detection alive
    }
    expect(sent.length).toBe(before);
    peer(BfdState.Up, { demand: true, poll: true });
    expect(sent.length).toBe(before + 1);
    await s.stop();
  });
});

describe('BFD session table', () => {
  async function table() {
    const clock = new ManualClock();
    const random = new SeededRandom(5);
    const net = new InMemoryBfdNetwork({ clock, random });
    const t = new BfdSessionTable({ clock, random });
    t.addTransport(await net.createTransport({ localAddress: A_ADDR }));
    t.addTransport(await net.createTransport({ localAddress: '2001:db8::1' }));
    return { t, clock };
  }

  const down = (your: number): Buffer =>
    encodeControlPacket(
      controlPacket({
        state: your ? BfdState.Init : BfdState.Down,
        myDiscriminator: 99,
        yourDiscriminator: your,
        desiredMinTxUs: 1_000_000,
      }),
    );

  it('keeps one session per (local, peer, interface, VRF) and unique discriminators', async () => {
    const { t } = await table();
    const s1 = await t.addSession({ localAddress: A_ADDR, peerAddress: B_ADDR });
    await expect(t.addSession({ localAddress: A_ADDR, peerAddress: B_ADDR })).rejects.toMatchObject(
      { code: 'ERR_BFD_SESSION_EXISTS' },
    );
    const s2 = await t.addSession({ localAddress: A_ADDR, peerAddress: B_ADDR, vrf: 'red' });
    const s3 = await t.addSession({ localAddress: '2001:db8::1', peerAddress: '2001:db8:0::2' });
    expect(new Set([s1, s2, s3].map((s) => s.localDiscriminator)).size).toBe(3);
    expect(t.find({ localAddress: '2001:0db8::1', peerAddress: '2001:db8::0002' })).toBe(s3);
    expect(t.get(s1.localDiscriminator)).toBe(s1);
    await t.close();
  });

  it('routes by Your Discriminator, else by addresses; counts no-session and decode discards', async () => {
    const { t } = await table();
    const s = await t.addSession({ localAddress: A_ADDR, peerAddress: B_ADDR });
    const from = { address: B_ADDR, port: 49200 };
    const to = { address: A_ADDR, port: 3784 };
    expect(t.handleDatagram({ payload: down(0), from, to })).toBeUndefined();
    expect(s.state).toBe(BfdState.Init);
    expect(
      t.handleDatagram({ payload: down(0), from: { address: '198.18.0.9', port: 1 }, to }),
    ).toBe('no-session');
    expect(t.handleDatagram({ payload: down(12345), from, to })).toBe('no-session');
    expect(t.handleDatagram({ payload: Buffer.from([0x40, 0, 0, 0]), from, to })).toBe(
      'bad-version',
    );
    expect(t.handleDatagram({ payload: down(s.localDiscriminator), from, to })).toBeUndefined();
    expect(s.state).toBe(BfdState.Up);
    expect(t.discards['no-session']).toBe(2);
    expect(t.discards['bad-version']).toBe(1);
    await t.close();
  });

  it('keys multihop sessions apart and sends them to UDP 4784 (RFC 5883)', async () => {
    const clock = new ManualClock();
    const random = new SeededRandom(8);
    const net = new InMemoryBfdNetwork({ clock, random });
    const seen: number[] = [];
    net.setFilter((d) => {
      seen.push(d.to.port);
      return false;
    });
    const t = new BfdSessionTable({ clock, random });
    t.addTransport(await net.createTransport({ localAddress: A_ADDR }));
    t.addTransport(await net.createTransport({ localAddress: A_ADDR, listenPort: 4784 }), {
      multihop: true,
    });
    const single = await t.addSession({ localAddress: A_ADDR, peerAddress: B_ADDR });
    const multi = await t.addSession({ localAddress: A_ADDR, peerAddress: B_ADDR, multihop: true });
    expect(single).not.toBe(multi);
    expect(t.find({ localAddress: A_ADDR, peerAddress: B_ADDR, multihop: true })).toBe(multi);
    expect(seen.sort()).toEqual([3784, 4784]);
    await t.close();
  });

  it('refuses echo and demand mode and bad parameters with typed errors', async () => {
    const { t } = await table();
    const base = { localAddress: A_ADDR, peerAddress: B_ADDR };
    await expect(t.addSession({ ...base, echo: true })).rejects.toMatchObject({
      code: 'ERR_BFD_ECHO_NOT_SUPPORTED',
    });
    await expect(t.addSession({ ...base, demand: true })).rejects.toMatchObject({
      code: 'ERR_BFD_DEMAND_NOT_SUPPORTED',
    });
    for (const bad of [{ detectMult: 0 }, { desiredMinTxMs: 0 }, { peerAddress: 'x' }]) {
      await expect(t.addSession({ ...base, ...bad })).rejects.toMatchObject({
        code: 'ERR_BFD_CONFIG_INVALID',
      });
    }
    await expect(
      t.addSession({ localAddress: '198.18.5.5', peerAddress: B_ADDR }),
    ).rejects.toMatchObject({ code: 'ERR_BFD_CONFIG_INVALID' });
    expect(t.sessions()).toHaveLength(0);
    await t.close();
  });

  it('a listener that throws does not break the session', async () => {
    const p = await memoryPair();
    p.a.on('up', () => {
      throw new Error('listener bug');
    });
    p.clock.advance(5_000);
    expect(p.a.state).toBe(BfdState.Up);
    expect(p.a.listenerErrors).toBe(1);
    expect(p.a).toBeInstanceOf(BfdSession);
    await p.close();
  });
});
