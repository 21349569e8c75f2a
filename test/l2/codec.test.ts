import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ARP_REPLY,
  ARP_REQUEST,
  decodeArp,
  decodeEthernet,
  decodeFrame,
  decodeNdp,
  encodeArp,
  encodeNdp,
  gratuitousArpFrames,
  icmpv6Checksum,
  ipv6Bytes,
  linkLocalFromMac,
  neighborSolicitationFrame,
  solicitedAdvertisementFrame,
  solicitedNodeAddress,
  unsolicitedAdvertisementFrame,
  type NdpMessage,
} from '../../src/l2/wire/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+|#[^\n]*/g, ''), 'hex');
const MAC = '02:00:00:00:00:01';

/** MetalLB's gratuitous ARP request for 198.18.0.200 from 02:00:00:00:00:01 (RFC 826). */
const GARP_REQUEST = hex(`
  ffffffffffff   # destination: broadcast
  020000000001   # source
  0806           # EtherType ARP
  0001           # ar$hrd Ethernet
  0800           # ar$pro IPv4
  06 04          # ar$hln 6, ar$pln 4
  0001           # ar$op request
  020000000001   # ar$sha
  c61200c8       # ar$spa 198.18.0.200
  ffffffffffff   # ar$tha broadcast (mdlayher/arp NewPacket with ethernet.Broadcast)
  c61200c8       # ar$tpa 198.18.0.200: sender = target, gratuitous
`);

/** Unsolicited NA for 2001:db8::200 (RFC 4861 4.4, 7.2.6), checksum by an independent sum. */
const UNSOLICITED_NA = hex(`
  333300000001   # destination: ff02::1's MAC (RFC 2464 7)
  020000000001   # source
  86dd           # EtherType IPv6
  60000000       # version 6, class 0, flow 0
  0020           # payload length 32
  3a             # next header ICMPv6
  ff             # hop limit 255
  fe80000000000000000000fffe000001  # source: link-local EUI-64 of 02:00:00:00:00:01
  ff020000000000000000000000000001  # destination ff02::1
  88 00          # type 136 NA, code 0
  2764           # checksum
  20000000       # R0 S0 O1
  20010db8000000000000000000000200  # target 2001:db8::200
  02 01 020000000001  # option 2 (target link-layer), length 1
`);

describe('ARP (RFC 826)', () => {
  it('encodes MetalLB gratuitous ARP byte for byte: a request and a reply', () => {
    const [req, rep] = gratuitousArpFrames(MAC, '198.18.0.200');
    expect(req).toEqual(GARP_REQUEST);
    const replyBytes = Buffer.from(GARP_REQUEST);
    replyBytes.writeUInt16BE(ARP_REPLY, 20);
    expect(rep).toEqual(replyBytes);
  });

  it('decodes it back', () => {
    const f = decodeFrame(GARP_REQUEST);
    expect(f?.kind).toBe('arp');
    expect(f?.kind === 'arp' && f.arp).toEqual({
      operation: ARP_REQUEST,
      senderMac: MAC,
      senderIp: '198.18.0.200',
      targetMac: 'ff:ff:ff:ff:ff:ff',
      targetIp: '198.18.0.200',
    });
  });

  it('round-trips any packet', () => {
    const mac = fc
      .uint8Array({ minLength: 6, maxLength: 6 })
      .map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
    const ip = fc.ipV4().filter((a) => !/(^|\.)0\d/.test(a));
    fc.assert(
      fc.property(fc.constantFrom(1, 2), mac, ip, mac, ip, (op, sm, si, tm, ti) => {
        const p = {
          operation: op as 1 | 2,
          senderMac: sm,
          senderIp: si,
          targetMac: tm,
          targetIp: ti,
        };
        expect(decodeArp(encodeArp(p))).toEqual(p);
      }),
    );
  });

  it.each([
    ['short', GARP_REQUEST.subarray(14, 40), 'ERR_L2_FRAME_SHORT'],
    ['hardware type 6', hex('0006 0800 0604 0001' + '00'.repeat(20)), 'ERR_L2_ARP_FORMAT'],
    ['protocol 0x86dd', hex('0001 86dd 0604 0001' + '00'.repeat(20)), 'ERR_L2_ARP_FORMAT'],
    ['operation 3', hex('0001 0800 0604 0003' + '00'.repeat(20)), 'ERR_L2_ARP_FORMAT'],
  ])('refuses %s', (_, bytes, code) => {
    expect(() => decodeArp(bytes)).toThrow(expect.objectContaining({ code }));
  });
});

describe('neighbor discovery (RFC 4861)', () => {
  it('encodes an unsolicited advertisement byte for byte, Override set', () => {
    expect(unsolicitedAdvertisementFrame(MAC, '2001:db8::200')).toEqual(UNSOLICITED_NA);
  });

  it('decodes it, the checksum verifying', () => {
    const f = decodeFrame(UNSOLICITED_NA);
    expect(f?.kind === 'ndp' && f.ndp).toEqual({
      type: 'NA',
      source: 'fe80::ff:fe00:1',
      destination: 'ff02::1',
      target: '2001:db8::200',
      router: false,
      solicited: false,
      override: true,
      targetLinkLayer: MAC,
    });
  });

  it('the checksum of a message that carries its checksum sums to zero', () => {
    const ip = decodeEthernet(UNSOLICITED_NA).payload;
    expect(icmpv6Checksum(ip.subarray(8, 24), ip.subarray(24, 40), ip.subarray(40))).toBe(0);
  });

  it('a solicitation goes to the solicited-node group with the source link-layer option', () => {
    const frame = neighborSolicitationFrame(MAC, '2001:db8::1', '2001:db8::1:200');
    expect(frame.subarray(0, 6)).toEqual(hex('3333ff010200'));
    expect(solicitedNodeAddress('2001:db8::1:200')).toEqual(ipv6Bytes('ff02::1:ff01:200'));
    const f = decodeFrame(frame);
    expect(f?.kind === 'ndp' && f.ndp).toEqual({
      type: 'NS',
      source: '2001:db8::1',
      destination: 'ff02::1:ff01:200',
      target: '2001:db8::1:200',
      sourceLinkLayer: MAC,
    });
  });

  it('the solicited answer goes back to the asker, Solicited set, Override clear (ndp.go)', () => {
    const frame = solicitedAdvertisementFrame(MAC, {
      source: '2001:db8::1',
      sourceMac: '02:aa:bb:cc:dd:ee',
      target: '2001:db8::200',
    });
    expect(frame.subarray(0, 6)).toEqual(hex('02aabbccddee'));
    const f = decodeFrame(frame);
    expect(f?.kind === 'ndp' && f.ndp).toMatchObject({
      type: 'NA',
      destination: '2001:db8::1',
      solicited: true,
      override: false,
    });
  });

  it('link-local from a MAC inverts the universal/local bit (RFC 4291 App. A)', () => {
    expect(linkLocalFromMac('52:54:00:12:34:56')).toEqual(ipv6Bytes('fe80::5054:ff:fe12:3456'));
  });

  it('round-trips any NS or NA', () => {
    const mac = fc
      .uint8Array({ minLength: 6, maxLength: 6 })
      .map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
    const v6 = fc
      .uint8Array({ minLength: 16, maxLength: 16 })
      .filter((b) => b[0] !== 0xff)
      .map(
        (b) =>
          decodeNdp(
            encodeNdp({ type: 'NS', source: '::1', destination: '::2', target: hexAddr(b) }),
          )!.target,
      );
    const msg: fc.Arbitrary<NdpMessage> = fc.oneof(
      fc.record({
        type: fc.constant('NS' as const),
        // From :: (DAD) a solicitation may not carry a source link-layer option.
        source: v6.filter((a) => a !== '::'),
        destination: v6,
        target: v6,
        sourceLinkLayer: mac,
      }),
      fc.record({
        type: fc.constant('NA' as const),
        source: v6,
        destination: v6,
        target: v6,
        router: fc.boolean(),
        solicited: fc.boolean(),
        override: fc.boolean(),
        targetLinkLayer: mac,
      }),
    );
    fc.assert(
      fc.property(msg, (m) => {
        expect(decodeNdp(encodeNdp(m))).toEqual(m);
      }),
    );
  });

  const na = decodeEthernet(UNSOLICITED_NA).payload;
  const mutate = (off: number, value: number): Buffer => {
    const b = Buffer.from(na);
    b[off] = value;
    return b;
  };
  it.each([
    ['hop limit 64 (forwarded)', mutate(7, 64), 'ERR_L2_NDP_FORMAT'],
    ['a flipped bit', mutate(60, na[60]! ^ 1), 'ERR_L2_ICMPV6_CHECKSUM'],
    ['payload past the end', na.subarray(0, 60), 'ERR_L2_FRAME_SHORT'],
    ['not IPv6', mutate(0, 0x45), 'ERR_L2_IPV6_FORMAT'],
  ])('refuses %s', (_, bytes, code) => {
    expect(() => decodeNdp(bytes)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a zero-length option and a solicited NA to multicast (RFC 4861 7.1.2)', () => {
    const zeroOpt = Buffer.from(na);
    zeroOpt[40 + 24 + 1] = 0;
    fixChecksum(zeroOpt);
    expect(() => decodeNdp(zeroOpt)).toThrow(
      expect.objectContaining({ code: 'ERR_L2_NDP_FORMAT' }),
    );
    const solicited = Buffer.from(na);
    solicited[44] = 0x60;
    fixChecksum(solicited);
    expect(() => decodeNdp(solicited)).toThrow(
      expect.objectContaining({ code: 'ERR_L2_NDP_FORMAT' }),
    );
  });

  it('other ICMPv6 and other next headers are not neighbor discovery', () => {
    const echo = Buffer.from(na);
    echo[40] = 128;
    expect(decodeNdp(echo)).toBeUndefined();
    expect(decodeNdp(mutate(6, 17))).toBeUndefined();
  });
});

function hexAddr(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return groups.join(':');
}

function fixChecksum(ip: Buffer): void {
  ip.writeUInt16BE(0, 42);
  ip.writeUInt16BE(icmpv6Checksum(ip.subarray(8, 24), ip.subarray(24, 40), ip.subarray(40)), 42);
}
