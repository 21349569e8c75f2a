import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { MemorySegment } from '../../src/l2/io/memory-segment.js';
import { RA_INTERVAL_MS, RouterAdvertiser } from '../../src/l2/router-advertiser.js';
import {
  decodeEthernet,
  decodeFrame,
  encodeRouterAdvertisement,
  icmpv6Checksum,
  routerAdvertisementFrame,
} from '../../src/l2/wire/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+|#[^\n]*/g, ''), 'hex');
const MAC = '02:00:00:00:00:01';

/**
 * A node's RA on an unnumbered link (RFC 4861 4.2, 6.2.4): all zero but the SLLA option.
 * Checksum by an independent sum over the RFC 8200 8.1 pseudo-header (RFC 4443 2.3).
 */
const NODE_RA = hex(`
  333300000001   # destination: ff02::1's MAC (RFC 2464 7)
  020000000001   # source
  86dd           # EtherType IPv6
  60000000       # version 6, class 0, flow 0
  0018           # payload length 24
  3a             # next header ICMPv6
  ff             # hop limit 255 (RFC 4861 6.1.2)
  fe80000000000000000000fffe000001  # source: link-local EUI-64 of 02:00:00:00:00:01
  ff020000000000000000000000000001  # destination ff02::1
  86 00          # type 134 RA, code 0
  7a25           # checksum
  00             # Cur Hop Limit: unspecified
  00             # M0 O0, reserved
  0000           # Router Lifetime 0: not a default router (4.2)
  00000000       # Reachable Time: unspecified
  00000000       # Retrans Timer: unspecified
  01 01 020000000001  # option 1 (source link-layer), length 1 (8 octets)
`);

/** Every field set, to a unicast destination, no option: the 4.2 layout field by field. */
const FULL_RA = hex(`
  60000000 0010 3a ff               # IPv6: payload 16, ICMPv6, hop limit 255
  fe800000000000000000000000000001  # source fe80::1
  fe800000000000000000000000000002  # destination fe80::2
  86 00 bbcf     # type 134, code 0, checksum
  40             # Cur Hop Limit 64
  c0             # M1 O1, reserved 0
  0708           # Router Lifetime 1800 s
  00007530       # Reachable Time 30000 ms
  000003e8       # Retrans Timer 1000 ms
`);

describe('Router Advertisement (RFC 4861 4.2)', () => {
  it("encodes a node's unnumbered-link RA byte for byte", () => {
    expect(routerAdvertisementFrame(MAC)).toEqual(NODE_RA);
  });

  it('puts every field where 4.2 has it', () => {
    expect(
      encodeRouterAdvertisement({
        source: 'fe80::1',
        destination: 'fe80::2',
        curHopLimit: 64,
        managed: true,
        otherConfig: true,
        routerLifetime: 1800,
        reachableTime: 30_000,
        retransTimer: 1000,
      }),
    ).toEqual(FULL_RA);
  });

  it('its checksum verifies over the pseudo-header (sums to zero)', () => {
    for (const ip of [decodeEthernet(NODE_RA).payload, FULL_RA])
      expect(icmpv6Checksum(ip.subarray(8, 24), ip.subarray(24, 40), ip.subarray(40))).toBe(0);
    // Another source breaks it: the pseudo-header is covered.
    const ip = decodeEthernet(NODE_RA).payload;
    expect(icmpv6Checksum(Buffer.alloc(16), ip.subarray(24, 40), ip.subarray(40))).not.toBe(0);
  });

  it('is not address resolution: the L2 responder passes it by', () => {
    expect(decodeFrame(NODE_RA)).toBeUndefined();
  });
});

describe('RouterAdvertiser', () => {
  it('sends one RA at once, then one per interval, and none after stop', async () => {
    const clock = new ManualClock();
    const segment = new MemorySegment();
    const heard: Buffer[] = [];
    segment.attach('02:00:00:00:00:02').onFrame((f) => heard.push(f));
    const advertiser = new RouterAdvertiser(segment.attach(MAC), clock);
    advertiser.start();
    advertiser.start(); // a second start sends nothing more
    await Promise.resolve();
    expect(heard).toEqual([NODE_RA]);
    clock.advance(RA_INTERVAL_MS - 1);
    await Promise.resolve();
    expect(heard).toHaveLength(1);
    clock.advance(1 + 2 * RA_INTERVAL_MS);
    await Promise.resolve();
    expect(heard).toHaveLength(4);
    expect(advertiser.sent).toBe(4);
    advertiser.stop();
    clock.advance(10 * RA_INTERVAL_MS);
    await Promise.resolve();
    expect(heard).toHaveLength(4);
  });
});
