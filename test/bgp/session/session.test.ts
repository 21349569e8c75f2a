import { describe, expect, it } from 'vitest';
import {
  BgpFramer,
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  encodeUpdates,
} from '../../../src/bgp/wire/index.js';
import { SessionPair, settle } from './harness.js';

describe('BgpSession over the in-memory transport, virtual time', () => {
  it('reaches Established on both sides through the RFC 4271 states', async () => {
    const p = new SessionPair();
    await p.start();
    await p.advance(1000);
    expect(p.node.state).toBe('Established');
    expect(p.router.state).toBe('Established');
    expect(p.states('node')).toEqual(['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(p.node.negotiated?.holdTimeSeconds).toBe(9);
    expect(p.node.negotiated?.fourOctetAs).toBe(true);
  });

  it('keeps the session up with keepalives over many hold times', async () => {
    const p = new SessionPair();
    await p.start();
    await p.advance(60_000, 500);
    expect(p.node.state).toBe('Established');
    const keepalives = p.messages.filter(
      (m) => m.who === 'node' && m.direction === 'sent' && m.message.type === 'KEEPALIVE',
    );
    // Keepalive every 3 s with jitter 0.75..1.0 over 60 s: between 20 and 27 (+1 in OpenSent).
    expect(keepalives.length).toBeGreaterThanOrEqual(20);
    expect(keepalives.length).toBeLessThanOrEqual(28);
  });

  it('closes a connection that arrives while Established with Cease/7 after its OPEN (RFC 4271 6.8)', async () => {
    const p = new SessionPair();
    await p.start();
    await p.advance(1000);
    expect(p.router.state).toBe('Established');
    // The node's side opens a second connection to the router, as a peer whose connect timer
    // fired while the first session came up would.
    const second = await p.network
      .transport()
      .connect({ host: '198.18.0.1', port: 179, localAddress: '198.18.0.10' });
    const framer = new BgpFramer();
    const got: string[] = [];
    let closed = false;
    second.attach({
      data: (chunk) => {
        for (const m of framer.push(chunk).messages) {
          const r = decodeMessage(m, DEFAULT_CONTEXT);
          if (!r.ok) got.push('undecodable');
          else if (r.message.type === 'NOTIFICATION')
            got.push(`NOTIFICATION ${r.message.code}/${r.message.subcode}`);
          else got.push(r.message.type);
        }
      },
      drain: () => {},
      close: () => {
        closed = true;
      },
    });
    await p.advance(200);
    expect(got).toEqual(['OPEN']);
    second.write(
      encodeMessage(
        {
          type: 'OPEN',
          version: 4,
          myAsn: 64501,
          holdTime: 9,
          bgpId: '198.18.0.10',
          capabilities: [{ kind: 'four-octet-as', asn: 64501 }],
        },
        DEFAULT_CONTEXT,
      ),
    );
    await p.advance(500);
    expect(got).toEqual(['OPEN', 'NOTIFICATION 6/7']);
    expect(closed).toBe(true);
    expect(p.router.state).toBe('Established');
    expect(p.node.state).toBe('Established');
    expect(p.states('router').at(-1)).toBe('Established');
  });

  it('detects hold timer expiry when packets are dropped, within the hold time', async () => {
    const p = new SessionPair();
    await p.start();
    await p.advance(1000);
    const t0 = p.clock.now();
    p.network.setFilter(() => 'drop');
    await p.advance(12_000);
    const down = p.log.find((l) => l.who === 'node' && l.e.from === 'Established');
    expect(down?.e.reason).toBe('hold-timer-expired');
    expect(down!.e.at - t0).toBeLessThanOrEqual(9_000);
    expect(down!.e.at - t0).toBeGreaterThan(6_000);
    p.network.setFilter(() => 'pass');
    await p.advance(30_000);
    expect(p.node.state).toBe('Established');
  });

  it('sends Cease/2 with a shutdown communication on stop, and the peer reports it', async () => {
    const p = new SessionPair();
    await p.start();
    await p.advance(1000);
    p.router.stop('maintenance');
    await p.advance(200);
    const down = p.log.find((l) => l.who === 'node' && l.e.from === 'Established');
    expect(down?.e.reason).toEqual({ kind: 'notification-received', code: 6, subcode: 2 });
    const n = p.messages.find((m) => m.who === 'node' && m.message.type === 'NOTIFICATION');
    expect(n?.message).toMatchObject({ code: 6, subcode: 2, shutdownCommunication: 'maintenance' });
  });

  it('tears down with Cease/10 on BFD Down and stays down until BFD is Up', async () => {
    const p = new SessionPair();
    await p.start();
    await p.advance(1000);
    // Only an Up -> Down change of BFD tears BGP down (FRR's behaviour).
    p.node.bfdUp();
    p.node.bfdDown();
    await p.advance(30_000);
    const sent = p.messages.find(
      (m) => m.who === 'node' && m.direction === 'sent' && m.message.type === 'NOTIFICATION',
    );
    expect(sent?.message).toMatchObject({ code: 6, subcode: 10 });
    expect(p.node.state).not.toBe('Established');
    expect(p.log.find((l) => l.who === 'node' && l.e.from === 'Established')?.e.reason).toBe(
      'bfd-down',
    );
    p.node.bfdUp();
    await p.advance(10_000);
    expect(p.node.state).toBe('Established');
  });

  it('keeps the BFD gate when the peer wins a connection collision: BFD Down still tears down (RFC 9384)', async () => {
    // Both sides connect when BFD comes Up (FRR's bgpd starts the peer on BFD Up), and the
    // router has the higher BGP Identifier, so RFC 4271 6.8 keeps its connection: the node's
    // incoming attempt becomes the session. The BFD gate is the peer's, not one connection's.
    const p = new SessionPair({}, { bgpId: '198.18.0.200', passive: false });
    await p.network
      .transport()
      .listen({ host: '198.18.0.10', port: 179 }, (c) => p.node.acceptConnection(c));
    p.node.bfdUp();
    await p.start();
    await p.advance(1000);
    expect(p.node.state).toBe('Established');
    const dumped = p.messages.filter(
      (m) =>
        m.who === 'node' &&
        m.direction === 'sent' &&
        m.message.type === 'NOTIFICATION' &&
        m.message.code === 6 &&
        m.message.subcode === 7,
    );
    expect(dumped).toHaveLength(1); // the collision happened and the node's own connection lost
    p.node.bfdDown();
    await p.advance(200);
    const cease10 = p.messages.find(
      (m) =>
        m.who === 'node' &&
        m.direction === 'sent' &&
        m.message.type === 'NOTIFICATION' &&
        m.message.subcode === 10,
    );
    expect(cease10?.message).toMatchObject({ code: 6, subcode: 10 });
    expect(
      p.log.filter((l) => l.who === 'node' && l.e.from === 'Established').at(-1)?.e.reason,
    ).toBe('bfd-down');
    // Held down while BFD is Down, even though the router keeps trying to connect.
    await p.advance(30_000);
    expect(p.node.state).toBe('Idle');
    p.node.bfdUp();
    await p.advance(10_000);
    expect(p.node.state).toBe('Established');
  });

  it('restarts by itself after a drop when the session is the connection the peer won the collision with', async () => {
    const p = new SessionPair({}, { bgpId: '198.18.0.200', passive: false });
    await p.network
      .transport()
      .listen({ host: '198.18.0.10', port: 179 }, (c) => p.node.acceptConnection(c));
    await p.start();
    await p.advance(1000);
    expect(p.node.state).toBe('Established');
    expect(p.node.fsm.connectionOrigin).toBe('remote'); // the incoming attempt is the session
    // The router stops the session (Cease/2) and starts it again: the node, in Idle, refuses
    // connections (RFC 4271 8.2.2), so only its own automatic restart (8.1.2) brings it back.
    p.router.stop();
    await p.advance(200);
    expect(p.node.state).not.toBe('Established');
    p.router.start();
    await p.advance(60_000, 500);
    expect(p.node.state).toBe('Established');
  });

  it('delivers received UPDATEs and answers a malformed one with a NOTIFICATION', async () => {
    const p = new SessionPair();
    const got: string[] = [];
    p.router.on({ update: (e) => got.push(...e.update.nlri.map((n) => n.prefix)) });
    await p.start();
    await p.advance(1000);
    const msgs = encodeUpdates(
      {
        attributes: {
          origin: 0,
          asPath: [{ type: 'AS_SEQUENCE', asns: [64501] }],
          nextHop: '198.18.0.10',
        },
        announce: [{ prefix: '192.168.122.210/32' }, { prefix: '192.168.122.211/32' }],
      },
      p.node.codecContext,
    );
    expect(p.node.sendUpdates(msgs)).toBe(true);
    await settle();
    expect(got).toEqual(['192.168.122.210/32', '192.168.122.211/32']);
    // An UPDATE whose attribute length runs past the message: RFC 4271 6.3 -> 3/1.
    const bad = Buffer.from(msgs[0]!);
    bad.writeUInt16BE(0xfff0, 21);
    p.node.sendUpdates([bad]);
    await p.advance(200);
    const n = p.messages.find(
      (m) => m.who === 'router' && m.direction === 'sent' && m.message.type === 'NOTIFICATION',
    );
    expect(n?.message).toMatchObject({ code: 3, subcode: 1 });
  });

  it('is deterministic: two runs give the same transitions at the same virtual times', async () => {
    const run = async () => {
      const p = new SessionPair();
      await p.start();
      await p.advance(5000);
      p.network.setFilter(() => 'drop');
      await p.advance(15_000);
      p.network.setFilter(() => 'pass');
      await p.advance(15_000);
      return JSON.stringify(p.log);
    };
    expect(await run()).toBe(await run());
  });
});
