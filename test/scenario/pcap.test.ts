import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePacket, readPcap } from '../../src/scenario/report/pcap-read.js';
import {
  BFD_SINGLE_HOP_PORT,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  PcapWriter,
  type Endpoint,
} from '../../src/scenario/report/pcap.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../src/scenario/report/packet-headers.js';
import * as B from './bgp-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'speakersim-pcap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1);

function capture(linkType: 'raw' | 'ethernet', v6: boolean): { buf: Buffer; big: Buffer } {
  const w = new PcapWriter({ linkType });
  const node: Endpoint = { address: v6 ? '2001:db8::65' : '198.18.0.101', port: 40123 };
  const router: Endpoint = { address: v6 ? '2001:db8::1' : '198.18.0.1', port: 179 };
  const big = Buffer.concat([B.UPDATE_ONE_PREFIX, B.updateWithdrawing(700)]);
  w.addBgp(T0, node, router, B.OPEN);
  w.addBgp(T0 + 1, router, node, B.OPEN);
  w.addBgp(T0 + 2, node, router, B.KEEPALIVE);
  w.addBgp(T0 + 3, router, node, B.KEEPALIVE);
  w.addBgp(T0 + 4, node, router, big);
  w.addBfd(
    T0 + 5.5,
    { address: node.address, port: 49152 },
    { address: router.address, port: BFD_SINGLE_HOP_PORT },
    B.BFD_UP,
  );
  w.addBgp(T0 + 6, node, router, B.NOTIFICATION_BFD_DOWN);
  w.closeBgp(T0 + 7, node, router);
  return { buf: w.toBuffer(), big };
}

describe('pcap writer, read back', () => {
  const { buf, big } = capture('raw', false);
  const file = readPcap(buf);
  const pkts = file.records.map((r) => decodePacket(r.data, file.linkType));

  it('writes the classic global header byte for byte', () => {
    expect(buf.subarray(0, 24).toString('hex')).toBe(
      [
        'd4c3b2a1', // magic 0xa1b2c3d4, little-endian, microseconds
        '0200', // major 2
        '0400', // minor 4
        '00000000', // thiszone
        '00000000', // sigfigs
        '00000400', // snaplen 262144
        '65000000', // LINKTYPE_RAW 101
      ].join(''),
    );
    expect(file.linkType).toBe(LINKTYPE_RAW);
  });

  it('opens with a SYN carrying MSS, byte for byte', () => {
    expect(file.records[0]!.data.toString('hex')).toBe(
      [
        '45c0002c', // IPv4, IHL 5, DSCP CS6, total length 44
        '00014000', // id 1, DF
        '4006ad80', // TTL 64, TCP, header checksum
        'c6120065', // 198.18.0.101
        'c6120001', // 198.18.0.1
        '9cbb00b3', // 40123 -> 179
        '904bc373', // ISN (FNV-1a of the connection, stable)
        '00000000', // ack 0
        '6002ffff', // data offset 6 words, SYN, window 65535
        '1a7a0000', // checksum, urgent 0
        '020405a8', // MSS 1448
      ].join(''),
    );
  });

  it('puts a BFD Control packet in UDP to 3784 with TTL 255, byte for byte', () => {
    const bfd = file.records[10]!;
    expect(bfd.data.toString('hex')).toBe(
      [
        '45c00034', // IPv4, DSCP CS6, total length 52
        '000b4000', // id 11, DF
        'ff11ee62', // TTL 255 (RFC 5881 5), UDP, header checksum
        'c6120065', // 198.18.0.101
        'c6120001', // 198.18.0.1
        'c0000ec8', // 49152 -> 3784
        '00209565', // UDP length 32, checksum
        B.BFD_UP.toString('hex'),
      ].join(''),
    );
    expect([bfd.tsSec, bfd.tsUsec]).toEqual([T0 / 1000, 5500]);
  });

  it('every checksum verifies and the handshake, data and FINs are in order', () => {
    expect(pkts.every((p) => p.checksumsOk)).toBe(true);
    expect(pkts.map((p) => p.flags)).toEqual([
      TCP_SYN,
      TCP_SYN | TCP_ACK,
      TCP_ACK,
      TCP_PSH | TCP_ACK, // OPEN
      TCP_PSH | TCP_ACK, // OPEN
      TCP_PSH | TCP_ACK, // KEEPALIVE
      TCP_PSH | TCP_ACK, // KEEPALIVE
      TCP_ACK, // big UPDATE, segment 1
      TCP_ACK, // segment 2
      TCP_PSH | TCP_ACK, // segment 3
      undefined, // BFD (UDP)
      TCP_PSH | TCP_ACK, // NOTIFICATION
      TCP_FIN | TCP_ACK,
      TCP_FIN | TCP_ACK,
      TCP_ACK,
    ]);
  });

  it('sequence and acknowledgement numbers are consistent per direction', () => {
    const tcp = pkts.filter((p) => p.protocol === 6);
    const next = new Map<number, number>();
    for (const p of tcp) {
      const syn = p.flags! & TCP_SYN;
      if (!syn) expect(p.seq).toBe(next.get(p.srcPort));
      if (p.flags! & TCP_ACK && next.has(p.dstPort)) expect(p.ack).toBe(next.get(p.dstPort));
      const consumed = p.payload.length + (syn || p.flags! & TCP_FIN ? 1 : 0);
      next.set(p.srcPort, (p.seq! + consumed) >>> 0);
    }
  });

  it('the node-to-router byte stream is exactly the BGP messages sent', () => {
    const stream = Buffer.concat(
      pkts.filter((p) => p.protocol === 6 && p.srcPort === 40123).map((p) => p.payload),
    );
    expect(stream.equals(Buffer.concat([B.OPEN, B.KEEPALIVE, big, B.NOTIFICATION_BFD_DOWN]))).toBe(
      true,
    );
    expect(pkts.filter((p) => p.protocol === 6).every((p) => p.payload.length <= 1448)).toBe(true);
  });

  it('the same calls give the same bytes', () => {
    expect(capture('raw', false).buf.equals(buf)).toBe(true);
  });

  it('a listener on another port is still drawn as the server', () => {
    const w = new PcapWriter({ bgpServerPorts: [179, 1790] });
    const router: Endpoint = { address: '198.18.0.1', port: 1790 };
    w.addBgp(T0, router, { address: '198.18.0.101', port: 50000 }, B.OPEN);
    const f = readPcap(w.toBuffer());
    const syn = decodePacket(f.records[0]!.data, f.linkType);
    expect([syn.flags, syn.srcPort, syn.dstPort]).toEqual([TCP_SYN, 50000, 1790]);
  });

  it('ethernet and IPv6 decode too', () => {
    const e = capture('ethernet', true).buf;
    const f = readPcap(e);
    expect(f.linkType).toBe(LINKTYPE_ETHERNET);
    const p = f.records.map((r) => decodePacket(r.data, f.linkType));
    expect(p.every((x) => x.checksumsOk && x.ipVersion === 6)).toBe(true);
    expect(p[10]!.ttl).toBe(255);
    expect(p[0]!.src).toBe('2001:db8::65');
  });

  it('bad input is a typed error, never a crash', () => {
    const w = new PcapWriter();
    expect(() =>
      w.addBfd(0, { address: 'nope', port: 1 }, { address: '198.18.0.1', port: 3784 }, B.BFD_UP),
    ).toThrow(expect.objectContaining({ code: 'ERR_PCAP_BAD_ENDPOINT' }));
    expect(() =>
      w.addBfd(
        0,
        { address: '198.18.0.2', port: 1 },
        { address: '2001:db8::1', port: 3784 },
        B.BFD_UP,
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_PCAP_MIXED_FAMILIES' }));
    for (let cut = 0; cut < buf.length; cut += 37) {
      try {
        const f = readPcap(buf.subarray(0, cut));
        for (const r of f.records) decodePacket(r.data, f.linkType);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('ERR_PCAP_FORMAT');
      }
    }
  });
});

const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!tshark)('pcap writer, decoded by tshark', () => {
  function fields(buf: Buffer, name: string, fieldList: string[]): string[][] {
    const path = join(dir, name);
    writeFileSync(path, buf);
    const args = [
      '-r',
      path,
      '-o',
      'tcp.check_checksum:TRUE',
      '-o',
      'udp.check_checksum:TRUE',
      '-o',
      'ip.check_checksum:TRUE',
      '-T',
      'fields',
    ];
    for (const f of fieldList) args.push('-e', f);
    const out = execFileSync('tshark', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => l.split('\t'));
  }

  for (const [linkType, v6] of [
    ['raw', false],
    ['ethernet', true],
  ] as const) {
    it(`decodes BGP and BFD (${linkType}, IPv${v6 ? 6 : 4}), checksums good, stream reassembled`, () => {
      const rows = fields(capture(linkType, v6).buf, `${linkType}${v6 ? 6 : 4}.pcap`, [
        'tcp.checksum.status',
        'udp.checksum.status',
        'bgp.type',
        'bgp.update.withdrawn_routes.length',
        'bfd.sta',
        'bgp.notify.major_error',
        'bgp.notify.minor_error_cease',
      ]);
      expect(rows.length).toBe(15);
      // 1 = good checksum; frame 11 is UDP.
      expect(rows.every((r, i) => (i === 10 ? r[1] === '1' : r[0] === '1'))).toBe(true);
      // RFC 4271 4.1 types: OPEN 1, KEEPALIVE 4, UPDATE 2 (two in one reassembled PDU), NOTIFICATION 3.
      expect(rows.map((r) => r[2])).toEqual([
        '',
        '',
        '',
        '1',
        '1',
        '4',
        '4',
        '2',
        '',
        '2',
        '',
        '3',
        '',
        '',
        '',
      ]);
      expect(rows[9]![3]).toBe('3500'); // 700 withdrawn /32s, 5 bytes each
      expect(rows[10]![4]).toBe('0x03'); // BFD state Up
      expect([rows[11]![5], rows[11]![6]]).toEqual(['6', '10']); // Cease / BFD Down (RFC 9384)
    });
  }
});

if (!tshark) {
  it.skip('tshark is not installed (apt-get install -y tshark) so captures are not cross-checked', () => {});
}
