import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BFD_ECHO_PORT,
  BfdState,
  decodeControlPacket,
  encodeControlPacket,
  type BfdControlPacket,
} from '../../src/bfd/index.js';
import { readCapture } from './pcap-reader.js';
import { parseTcpdumpBfd, type TcpdumpBfdFrame } from './tcpdump-out.js';

// Real captures with tcpdump's expected decodings, read in place (never copied into the repo).
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const vectors = resolve(repoRoot, '../shared/vectors/tcpdump');
const present = existsSync(vectors);
if (!present) console.warn(`BFD tcpdump vector tests skipped: ${vectors} is absent`);

/** capture -> expected output files (verbose first: it carries every field). */
const CASES: { pcap: string; outs: string[] }[] = [
  { pcap: 'bfd-lag.pcap', outs: ['bfd-lag-v.out', 'bfd-lag.out'] },
  { pcap: 'bfd-multihop.pcap', outs: ['bfd-multihop-v.out', 'bfd-multihop.out'] },
  { pcap: 'bfd-raw-auth-md5.pcap', outs: ['bfd-raw-auth-md5-v.out', 'bfd-raw-auth-md5.out'] },
  { pcap: 'bfd-raw-auth-sha1.pcap', outs: ['bfd-raw-auth-sha1-v.out', 'bfd-raw-auth-sha1.out'] },
  {
    pcap: 'bfd-raw-auth-simple.pcap',
    outs: ['bfd-raw-auth-simple-v.out', 'bfd-raw-auth-simple.out'],
  },
  { pcap: 'bfd-sbfd.pcap', outs: ['bfd-sbfd-v.out', 'bfd-sbfd.out'] },
  { pcap: 'bfd_source_port_49152.pcap', outs: ['bfd_source_port_49152.out'] },
];

/** UDP ports of BFD control: 3784, 4784, 6784 (RFC 7130), 7784 (RFC 7881, reflector replies come from it). */
const CONTROL_PORTS = new Set([3784, 4784, 6784, 7784]);

const STATE_NAMES: Record<string, BfdState> = {
  AdminDown: BfdState.AdminDown,
  Down: BfdState.Down,
  Init: BfdState.Init,
  Up: BfdState.Up,
};

function flagNames(p: BfdControlPacket): string[] {
  const out: string[] = [];
  if (p.poll) out.push('Poll');
  if (p.final) out.push('Final');
  if (p.controlPlaneIndependent) out.push('Control Plane Independent');
  if (p.auth) out.push('Authentication Present');
  if (p.demand) out.push('Demand');
  if (p.multipoint) out.push('Multipoint');
  return out;
}

function compare(p: BfdControlPacket, raw: Buffer, e: TcpdumpBfdFrame): void {
  if (e.state !== undefined) expect(p.state).toBe(STATE_NAMES[e.state]);
  if (e.flags !== undefined) expect(flagNames(p).sort()).toEqual([...e.flags].sort());
  if (e.length !== undefined) expect(raw[3]).toBe(e.length);
  if (e.diagnostic !== undefined) expect(p.diagnostic).toBe(e.diagnostic);
  if (e.detectMult !== undefined) expect(p.detectMult).toBe(e.detectMult);
  if (e.detectionTimeMs !== undefined) {
    // tcpdump prints Detect Mult x the sender's Desired Min TX.
    expect(Math.floor((p.detectMult * p.desiredMinTxUs) / 1000)).toBe(e.detectionTimeMs);
  }
  if (e.myDiscriminator !== undefined) expect(p.myDiscriminator).toBe(e.myDiscriminator);
  if (e.yourDiscriminator !== undefined) expect(p.yourDiscriminator).toBe(e.yourDiscriminator);
  if (e.desiredMinTxMs !== undefined) {
    expect(Math.floor(p.desiredMinTxUs / 1000)).toBe(e.desiredMinTxMs);
  }
  if (e.requiredMinRxMs !== undefined) {
    expect(Math.floor(p.requiredMinRxUs / 1000)).toBe(e.requiredMinRxMs);
  }
  if (e.requiredMinEchoRxMs !== undefined) {
    expect(Math.floor(p.requiredMinEchoRxUs / 1000)).toBe(e.requiredMinEchoRxMs);
  }
  if (e.authType !== undefined) {
    expect(p.auth?.type).toBe(e.authType);
    expect(raw[25]).toBe(e.authLength);
    expect(p.auth?.keyId).toBe(e.authKeyId);
  }
  if (e.authSequence !== undefined) {
    expect(p.auth && 'sequence' in p.auth ? p.auth.sequence : undefined).toBe(e.authSequence);
  }
  if (e.password !== undefined) {
    expect(p.auth && 'password' in p.auth ? p.auth.password.toString('latin1') : undefined).toBe(
      e.password,
    );
  }
  if (e.digestHex !== undefined) {
    expect(p.auth && 'digest' in p.auth ? p.auth.digest.toString('hex') : undefined).toBe(
      e.digestHex,
    );
  }
}

describe.skipIf(!present)('tcpdump BFD captures (../shared/vectors/tcpdump)', () => {
  for (const c of CASES) {
    describe(c.pcap, () => {
      const frames = present ? readCapture(readFileSync(resolve(vectors, c.pcap))) : [];

      it('holds BFD control datagrams, each decoded and re-encoded byte for byte', () => {
        const bfd = frames.filter(
          (f) => f.udp && (CONTROL_PORTS.has(f.udp.dstPort) || CONTROL_PORTS.has(f.udp.srcPort)),
        );
        expect(bfd.length).toBeGreaterThan(0);
        for (const f of bfd) {
          const result = decodeControlPacket(f.udp!.payload);
          expect(result.ok, `frame ${f.number}`).toBe(true);
          if (!result.ok) continue;
          const length = f.udp!.payload[3]!;
          expect(encodeControlPacket(result.packet)).toEqual(f.udp!.payload.subarray(0, length));
        }
      });

      for (const out of c.outs) {
        it(`matches ${out} field by field`, () => {
          const expected = parseTcpdumpBfd(readFileSync(resolve(vectors, out), 'utf8'));
          const withBfd = expected.filter((e) => e.state !== undefined);
          expect(withBfd.length).toBeGreaterThan(0);
          for (const e of withBfd) {
            const frame = frames.find((f) => f.number === e.number);
            expect(frame?.udp, `frame ${e.number}`).toBeDefined();
            const result = decodeControlPacket(frame!.udp!.payload);
            expect(result.ok, `frame ${e.number}`).toBe(true);
            if (result.ok) compare(result.packet, frame!.udp!.payload, e);
          }
        });
      }
    });
  }

  describe('hoobr_bfd_print.pcap (fuzzed: heap over-read in tcpdump BFD printer)', () => {
    const file = present ? readFileSync(resolve(vectors, 'hoobr_bfd_print.pcap')) : Buffer.alloc(0);

    it('reads the capture without a throw and finds the truncated echo-port datagram', () => {
      const frames = readCapture(file);
      const expected = parseTcpdumpBfd(
        readFileSync(resolve(vectors, 'hoobr_bfd_print.out'), 'utf8'),
      );
      expect(frames.length).toBe(expected.length);
      const echo = frames.filter((f) => f.udp?.dstPort === BFD_ECHO_PORT);
      expect(echo.map((f) => f.number)).toEqual([3]);
      expect(echo[0]!.udp!.truncated).toBe(true);
    });

    it('discards its payload as a control packet with a reason, never a throw', () => {
      for (const f of readCapture(file)) {
        if (!f.udp) continue;
        const result = decodeControlPacket(f.udp.payload);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.reason).toBe('truncated');
      }
    });

    it('discards every prefix of every frame without a throw', () => {
      for (let end = 0; end <= file.length; end++) {
        const frames = readCapture(file.subarray(0, end));
        for (const f of frames) {
          if (f.udp) expect(decodeControlPacket(f.udp.payload).ok).toBe(false);
        }
      }
    });
  });

  it('finds and decodes every BFD datagram in every capture of the folder, never throwing', () => {
    const files = readdirSync(vectors).filter((f) => /\.pcap(ng)?$/.test(f));
    let total = 0;
    for (const file of files) {
      for (const f of readCapture(readFileSync(resolve(vectors, file)))) {
        const udp = f.udp;
        if (!udp) continue;
        const ports = [udp.srcPort, udp.dstPort];
        if (!ports.some((p) => CONTROL_PORTS.has(p) || p === BFD_ECHO_PORT)) continue;
        total++;
        const r = decodeControlPacket(udp.payload);
        // Only the fuzzed echo-port frame is malformed; every real control packet decodes.
        expect(r.ok, `${file} frame ${f.number}`).toBe(!udp.truncated);
      }
    }
    expect(total).toBeGreaterThan(130); // 138 in the tcpdump commit the folder was taken from
  });
});
