import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { MemorySegment } from '../../src/l2/io/memory-segment.js';
import { NeighborCache } from '../../src/l2/neighbor-cache.js';
import { L2Responder } from '../../src/l2/responder.js';
import {
  arpRequestFrame,
  decodeFrame,
  neighborSolicitationFrame,
  solicitedAdvertisementFrame,
  unsolicitedAdvertisementFrame,
  type DecodedFrame,
} from '../../src/l2/wire/index.js';

const R1 = '02:00:00:00:00:aa';
const W0 = '02:00:00:00:00:01';
const W1 = '02:00:00:00:00:02';
const flush = () => new Promise<void>((r) => setImmediate(r));

function lab() {
  const clock = new ManualClock();
  const seg = new MemorySegment();
  const heard: DecodedFrame[] = [];
  seg.attach('02:00:00:00:00:ff').onFrame((f) => heard.push(decodeFrame(f)!));
  const router = new NeighborCache(seg.attach(R1), clock, {
    ipv4: '198.18.0.1',
    ipv6: '2001:db8::1',
  });
  const w0 = new L2Responder(seg.attach(W0), clock);
  const w1 = new L2Responder(seg.attach(W1), clock);
  return { clock, seg, heard, router, w0, w1 };
}

describe('L2Responder (MetalLB announcer) and a router neighbour cache', () => {
  it('the elected node answers ARP and NS for its addresses, with its own MAC', async () => {
    const { router, w0, w1 } = lab();
    w0.announce(['198.18.0.200', '2001:db8::200']);
    w1.announce([]);
    router.resolve('198.18.0.200');
    router.resolve('2001:db8:0::200');
    expect(router.lookup('198.18.0.200')).toMatchObject({ state: 'INCOMPLETE' });
    await flush();
    expect(router.lookup('198.18.0.200')).toMatchObject({ mac: W0, state: 'REACHABLE' });
    expect(router.lookup('2001:db8::200')).toMatchObject({ mac: W0, state: 'REACHABLE' });
    expect(w0.counters.requestsAnswered).toBe(2);
    expect(w1.counters.requestsAnswered).toBe(0);
  });

  it('nobody answers for an address nobody announces', async () => {
    const { router } = lab();
    router.resolve('198.18.0.201');
    await flush();
    expect(router.lookup('198.18.0.201')).toMatchObject({ state: 'INCOMPLETE' });
    expect(router.lookup('198.18.0.201')?.mac).toBeUndefined();
  });

  it('failover: the new node gratuitously takes over an existing entry; the old one goes quiet', async () => {
    const { clock, router, w0, w1 } = lab();
    w0.announce(['198.18.0.200', '2001:db8::200']);
    router.resolve('198.18.0.200');
    router.resolve('2001:db8::200');
    await flush();
    clock.advance(10_000);
    w0.announce([]);
    w1.announce(['198.18.0.200', '2001:db8::200']);
    await flush();
    expect(router.lookup('198.18.0.200')).toMatchObject({ mac: W1, state: 'STALE' });
    expect(router.lookup('2001:db8::200')).toMatchObject({ mac: W1, state: 'STALE' });
    expect(router.lookup('198.18.0.200')?.updatedAt).toBe(10_000);
    // A later request is answered by worker1 only.
    router.resolve('198.18.0.200');
    await flush();
    expect(router.lookup('198.18.0.200')).toMatchObject({ mac: W1, state: 'REACHABLE' });
    expect(w0.counters.requestsAnswered).toBe(2);
  });

  it('gratuitous burst: at once and every 1100 ms while within 5 s (announcer.go spamLoop)', async () => {
    const { clock, heard, w0 } = lab();
    w0.announce(['198.18.0.200', '2001:db8::200']);
    const times: number[] = [];
    const count = () => heard.filter((f) => f.ethernet.source === W0).length;
    let last = 0;
    for (let t = 0; t <= 8000; t += 100) {
      await flush();
      if (count() !== last) {
        times.push(clock.now());
        last = count();
      }
      clock.advance(100);
    }
    expect(times).toEqual([0, 1100, 2200, 3300, 4400]);
    // Per burst: ARP request + ARP reply for IPv4, one unsolicited NA for IPv6.
    expect(count()).toBe(15);
    const na = heard.find((f) => f.kind === 'ndp');
    expect(na?.kind === 'ndp' && na.ndp).toMatchObject({
      type: 'NA',
      override: true,
      solicited: false,
    });
  });

  it('a node that stops being elected stops its burst and its answers; close detaches', async () => {
    const { clock, heard, router, w0 } = lab();
    w0.announce(['198.18.0.200']);
    await flush();
    w0.announce([]);
    const before = heard.length;
    clock.advance(6000);
    router.resolve('198.18.0.200');
    await flush();
    expect(heard.length).toBe(before + 1); // only the router's request
    await w0.close();
    w0.announce(['198.18.0.200']);
    await flush();
    expect(heard.length).toBe(before + 1);
  });

  it('ignores ARP requests to another MAC, replies, DAD probes and malformed frames', async () => {
    const clock = new ManualClock();
    const seg = new MemorySegment();
    const asker = seg.attach(R1);
    const got: Buffer[] = [];
    asker.onFrame((f) => got.push(f));
    const w0 = new L2Responder(seg.attach(W0), clock);
    w0.announce(['198.18.0.200', '2001:db8::200']);
    await flush();
    got.length = 0;
    const unicastElsewhere = arpRequestFrame(R1, '198.18.0.1', '198.18.0.200');
    Buffer.from('02000000000b', 'hex').copy(unicastElsewhere, 0);
    const seg2 = seg.attach('02:00:00:00:00:0b');
    seg2.onFrame(() => undefined);
    asker.send(unicastElsewhere);
    const dad = neighborSolicitationFrame(R1, '::', '2001:db8::200');
    asker.send(Buffer.from(dad)); // has an SLLA from :: : malformed by RFC 4861 7.1.1
    asker.send(Buffer.from('ffffffffffff02000000000a0806000108', 'hex')); // cut short
    await flush();
    expect(got).toEqual([]);
    expect(w0.counters.malformed).toBe(2);
  });

  it('RFC 4861 7.2.5: without Override a different MAC does not replace the entry', async () => {
    const clock = new ManualClock();
    const seg = new MemorySegment();
    const router = new NeighborCache(seg.attach(R1), clock, { ipv6: '2001:db8::1' });
    const w0 = new L2Responder(seg.attach(W0), clock);
    w0.announce(['2001:db8::200']);
    router.resolve('2001:db8::200');
    await flush();
    expect(router.lookup('2001:db8::200')).toMatchObject({ mac: W0, state: 'REACHABLE' });
    // A solicited advertisement (Override clear, as ndp.go answers) from another MAC.
    seg.attach(W1).send(
      solicitedAdvertisementFrame(W1, {
        source: '2001:db8::1',
        sourceMac: R1,
        target: '2001:db8::200',
      }),
    );
    await flush();
    expect(router.lookup('2001:db8::200')).toMatchObject({ mac: W0, state: 'STALE' });
    // An advertisement for an address the router never asked about is discarded.
    seg.attach(W1).send(unsolicitedAdvertisementFrame(W1, '2001:db8::201'));
    await flush();
    expect(router.lookup('2001:db8::201')).toBeUndefined();
  });

  it('the router answers ARP and NS for its own address (RFC 826, RFC 4861 7.2.4)', async () => {
    const clock = new ManualClock();
    const seg = new MemorySegment();
    const router = new NeighborCache(seg.attach(R1), clock, {
      ipv4: '198.18.0.1',
      ipv6: '2001:db8::1',
    });
    const node = seg.attach(W0);
    const got: DecodedFrame[] = [];
    node.onFrame((f) => got.push(decodeFrame(f)!));
    node.send(arpRequestFrame(W0, '198.18.0.101', '198.18.0.1'));
    node.send(neighborSolicitationFrame(W0, '2001:db8::101', '2001:db8::1'));
    await flush();
    expect(got.map((f) => (f.kind === 'arp' ? f.arp.senderMac : f.ndp.type))).toEqual([R1, 'NA']);
    expect(router.lookup('198.18.0.101')).toMatchObject({ mac: W0 });
    expect(router.lookup('2001:db8::101')).toMatchObject({ mac: W0 });
  });

  it("counts per IP as MetalLB's stats.go: request, response, each gratuitous packet", async () => {
    const clock = new ManualClock();
    const seg = new MemorySegment();
    const events: string[] = [];
    const w0 = new L2Responder(seg.attach(W0), clock, {
      gotRequest: (ip) => events.push(`request ${ip}`),
      sentResponse: (ip) => events.push(`response ${ip}`),
      sentGratuitous: (ip) => events.push(`gratuitous ${ip}`),
    });
    const router = new NeighborCache(seg.attach(R1), clock, { ipv6: '2001:db8::1' });
    w0.announce(['198.18.0.200', '2001:db8::200']);
    router.resolve('2001:db8::200');
    await flush();
    expect(events).toEqual([
      'gratuitous 198.18.0.200',
      'gratuitous 198.18.0.200',
      'gratuitous 2001:db8::200',
      'request 2001:db8::200',
      'response 2001:db8::200',
    ]);
  });
});
