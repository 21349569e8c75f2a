/**
 * Conformance against real captures from tcpdump's test suite (../shared/vectors/tcpdump):
 * every BGP message in them is framed and decoded, values are checked against tcpdump's
 * expected output, and the fuzzed captures yield typed errors without hanging.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BgpFramer,
  BgpWireError,
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  parseCommunity,
} from '../../../src/bgp/wire/index.js';
import type {
  BgpMessage,
  CodecContext,
  DecodeResult,
  OpenMessage,
} from '../../../src/bgp/wire/index.js';
import { readTcpSegments, reassemble } from './support/pcap.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const VECTORS = path.resolve(repoRoot, '../shared/vectors/tcpdump');
const present = existsSync(path.join(VECTORS, 'CASES.tsv'));
if (!present) console.warn(`capture conformance skipped: ${VECTORS} is absent`);

interface CaseRow {
  name: string;
  pcap: string;
  out: string;
}

function cases(): CaseRow[] {
  if (!present) return [];
  return readFileSync(path.join(VECTORS, 'CASES.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split('\t'))
    .map(([name, pcap, out]) => ({ name: name!, pcap: pcap!, out: out! }))
    .filter((c) => !c.name.startsWith('bfd') && !c.name.includes('bfd_print'));
}

/** Fuzzed or deliberately malformed captures: they must produce typed errors, not values. */
const MALFORMED: Record<string, string[]> = {
  'bgp_infloop-v': ['ERR_BGP_MESSAGE_LENGTH'],
  'bgp-malformed-hard-reset': ['ERR_BGP_HARD_RESET_DATA'],
  'bgp-shutdown-msg-variations': ['ERR_BGP_SHUTDOWN_COMMUNICATION'],
  // Crafted for tcpdump's ADD-PATH printer: MP_REACH_NLRI flagged well-known (Flags [T]) -> 3/4
  // and session reset, as FRR does; and a zero-length NEXT_HOP (RFC 7606 7.3).
  'bgp-addpath': ['ERR_BGP_ATTR_FLAGS'],
  'bgp-bgp_capabilities_print-oobr-1': [],
  'bgp-bgp_capabilities_print-oobr-2': [],
  bgp_pmsi_tunnel_oobr: [],
  'bgp_pmsi_tunnel-oobr': [],
  bgp_mvpn_6_and_7_oobr: [],
  'bgp_vpn_rt-oobr': [],
  'bgp_mp_reach_nlri-oobr': [],
  'bgp-ub': [],
  'tok2str-oobr-1': [],
  'bgp-as-path-oobr-ssl': [],
  'bgp-as-path-oobr-nossl': [],
  'bgp-aigp-oobr-ssl': [],
  'bgp-aigp-oobr-nossl': [],
  bgpsec_invalid_signature_block_length: [],
};

/** Codes that scanning for markers (as tcpdump does) must meet in the fuzzed captures. */
const SCAN_CODES: Record<string, string[]> = {
  'bgp-bgp_capabilities_print-oobr-1': ['ERR_BGP_OPEN_VERSION'],
  'bgp-bgp_capabilities_print-oobr-2': ['ERR_BGP_OPEN_VERSION'],
  'bgp_pmsi_tunnel-oobr': ['ERR_BGP_ATTR_LIST'],
  'bgp_mp_reach_nlri-oobr': ['ERR_BGP_ATTR_LIST'],
  'bgp-ub': [
    'ERR_BGP_NETWORK_FIELD',
    'ERR_BGP_AS_PATH',
    'ERR_BGP_ATTR_FLAGS',
    'ERR_BGP_ATTR_UNRECOGNIZED_WELL_KNOWN',
  ],
  'bgp-as-path-oobr-ssl': ['ERR_BGP_ATTR_LENGTH', 'ERR_BGP_ATTR_UNRECOGNIZED_WELL_KNOWN'],
  'bgp-aigp-oobr-ssl': ['ERR_BGP_ATTR_UNRECOGNIZED_WELL_KNOWN', 'ERR_BGP_ATTR_DUPLICATE'],
};

/**
 * Context for captures that start after the OPEN exchange (tcpdump guesses the AS size; we
 * have to be told). When both OPENs are in the capture, the negotiated context is used.
 */
const DEFAULTS: Record<string, Partial<CodecContext>> = {
  'bgp-large-community': { fourOctetAs: true },
  'bgp-addpath': { fourOctetAs: true, addPathReceive: new Set(['1/1', '2/1']) },
  'bgp-enhanced-route-refresh-subtype': { fourOctetAs: true },
  'bgp-role': { fourOctetAs: true },
};

/** Codes a well-formed capture may still raise, and why. */
const ALLOWED: Record<string, string[]> = {
  // BGPsec UPDATEs carry BGPsec_PATH (RFC 8205) instead of AS_PATH; without BGPsec support
  // that is a missing well-known attribute (RFC 7606 3(d): treat-as-withdraw).
  'bgp-bgpsec': ['ERR_BGP_ATTR_MISSING'],
};

interface Decoded {
  packet: number;
  result: DecodeResult | { ok: false; error: BgpWireError; framing: true };
  ctx: CodecContext;
}

function negotiate(sender: OpenMessage, receiver: OpenMessage): CodecContext {
  const has = (o: OpenMessage, k: string) => o.capabilities.some((c) => c.kind === k);
  const addPath = (o: OpenMessage, bit: number) =>
    new Set(
      o.capabilities.flatMap((c) =>
        c.kind === 'add-path'
          ? c.families.filter((f) => f.sendReceive & bit).map((f) => `${f.afi}/${f.safi}`)
          : [],
      ),
    );
  const sends = addPath(sender, 2);
  const receives = addPath(receiver, 1);
  return {
    fourOctetAs: has(sender, 'four-octet-as') && has(receiver, 'four-octet-as'),
    extendedMessage: has(sender, 'extended-message') && has(receiver, 'extended-message'),
    addPathReceive: new Set([...sends].filter((f) => receives.has(f))),
  };
}

function decodeCapture(file: Buffer, defaults: CodecContext): Decoded[] {
  const framers = new Map<string, BgpFramer>();
  const opens = new Map<string, OpenMessage>();
  const out: Decoded[] = [];
  for (const chunk of reassemble(readTcpSegments(file))) {
    const dir = chunk.direction;
    const [a, b] = dir.split('>');
    const reverse = `${b}>${a}`;
    if (chunk.restart) {
      framers.set(dir, new BgpFramer({ fourOctetAs: true, extendedMessage: true }));
      if (chunk.segment.syn) {
        opens.delete(dir);
        opens.delete(reverse);
      }
    }
    const framer = framers.get(dir)!;
    const { messages, error } = framer.push(chunk.data);
    for (const m of messages) {
      const mine = opens.get(dir);
      const theirs = opens.get(reverse);
      const ctx = mine && theirs ? negotiate(mine, theirs) : defaults;
      const result = decodeMessage(m, ctx);
      if (result.ok && result.message.type === 'OPEN') opens.set(dir, result.message);
      out.push({ packet: chunk.segment.packet, result, ctx });
    }
    if (error) {
      out.push({
        packet: chunk.segment.packet,
        result: { ok: false, error, framing: true },
        ctx: defaults,
      });
      framers.set(dir, new BgpFramer({ fourOctetAs: true, extendedMessage: true }));
    }
  }
  return out;
}

/**
 * tcpdump's way through damaged streams: look for the next marker and take the message it
 * starts. Fuzzed captures rarely keep the framing intact, so this reaches the decoder with
 * every message candidate they hold. Each position advances, so the scan ends.
 */
function scanForMessages(file: Buffer, ctx: CodecContext): DecodeResult[] {
  const streams = new Map<string, Buffer[]>();
  for (const chunk of reassemble(readTcpSegments(file))) {
    const list = streams.get(chunk.direction) ?? [];
    if (chunk.restart) list.push(Buffer.alloc(0));
    list[list.length - 1] = Buffer.concat([list[list.length - 1]!, chunk.data]);
    streams.set(chunk.direction, list);
  }
  const out: DecodeResult[] = [];
  for (const stream of [...streams.values()].flat()) {
    let p = 0;
    while (p + 19 <= stream.length) {
      let marker = true;
      for (let i = 0; i < 16 && marker; i++) marker = stream[p + i] === 0xff;
      if (!marker) {
        p++;
        continue;
      }
      const length = stream.readUInt16BE(p + 16);
      const whole = length >= 19 && p + length <= stream.length;
      out.push(
        decodeMessage(
          stream.subarray(
            p,
            whole ? p + length : Math.min(stream.length, p + Math.max(length, 19)),
          ),
          ctx,
        ),
      );
      p += whole ? length : 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// tcpdump's expected output, cut into one block per BGP message.

interface Block {
  kind: string;
  head: string;
  lines: string[];
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  let current: Block | undefined;
  for (const line of text.split('\n')) {
    const m =
      /^\t(Open|Update|Notification|Keepalive|Route Refresh) Message \(\d+\), length: \d+(.*)$/.exec(
        line,
      );
    if (m) {
      current = { kind: m[1]!, head: m[2]!, lines: [] };
      out.push(current);
    } else if (!line.startsWith('\t')) current = undefined;
    else current?.lines.push(line);
  }
  return out;
}

/** tcpdump prints 4-octet ASNs in asplain, or asdot with -b. */
function asn(text: string): number {
  const [hi, lo] = text.split('.');
  return lo === undefined ? Number(hi) : Number(hi) * 65536 + Number(lo);
}

const messagesOf = (d: Decoded[]): BgpMessage[] =>
  d.flatMap((x) => (x.result.ok ? [x.result.message] : []));

describe.skipIf(!present)('tcpdump capture conformance', () => {
  for (const c of cases()) {
    describe(c.name, () => {
      const file = readFileSync(path.join(VECTORS, c.pcap));
      const expected = blocks(readFileSync(path.join(VECTORS, c.out), 'utf8'));
      const defaults = { ...DEFAULT_CONTEXT, ...DEFAULTS[c.name] };
      const decoded = decodeCapture(file, defaults);
      const messages = messagesOf(decoded);
      const malformed = MALFORMED[c.name];
      const errors = decoded.flatMap((d) => (d.result.ok ? d.result.errors : [d.result.error]));

      it('decodes every message with only typed errors', () => {
        expect(decoded.length).toBeGreaterThan(0);
        for (const e of errors) expect(e).toBeInstanceOf(BgpWireError);
        if (malformed) {
          expect(errors.length).toBeGreaterThan(0);
          for (const code of malformed) expect(errors.map((e) => e.code)).toContain(code);
        } else {
          const allowed = ALLOWED[c.name] ?? [];
          expect(errors.map((e) => e.code).filter((code) => !allowed.includes(code))).toEqual([]);
          // tcpdump printed as many messages as we decoded.
          expect(messages.length).toBe(expected.length);
        }
      });

      it('re-encodes what it decoded to messages that decode the same', () => {
        for (const d of decoded) {
          if (!d.result.ok) continue;
          const again = decodeMessage(encodeMessage(d.result.message, d.ctx), d.ctx);
          if (!again.ok) throw again.error;
          expect(JSON.parse(JSON.stringify(again.message))).toEqual(
            JSON.parse(JSON.stringify(d.result.message)),
          );
        }
      });

      it('resynchronising on markers like tcpdump, every candidate gives a value or a typed error', () => {
        const results = scanForMessages(file, defaults);
        expect(results.length).toBeGreaterThanOrEqual(malformed ? 1 : messages.length);
        for (const r of results) {
          if (!r.ok) expect(r.error).toBeInstanceOf(BgpWireError);
          else for (const e of r.errors) expect(e).toBeInstanceOf(BgpWireError);
        }
        if (!malformed) expect(results.filter((r) => r.ok).length).toBe(messages.length);
        const codes = results.flatMap((r) => (r.ok ? r.errors.map((e) => e.code) : [r.error.code]));
        for (const code of SCAN_CODES[c.name] ?? []) expect(codes).toContain(code);
      });

      if (malformed) return;

      it('agrees with tcpdump on OPEN fields and capabilities', () => {
        const want = expected
          .filter((b) => b.kind === 'Open')
          .map((b) => {
            const m = /Version (\d+), my AS (\S+), Holdtime (\d+)s, ID ([\d.]+)/.exec(
              b.lines.join('\n'),
            )!;
            const four = b.lines
              .flatMap((l) => [...(/4 Byte AS (\S+)/.exec(l) ?? [])].slice(1))
              .map(asn);
            const mp = b.lines.flatMap((l) => {
              const x = /^\s+AFI \S+ \((\d+)\), SAFI .*?\((\d+)\)$/.exec(l);
              return x ? [`${x[1]}/${x[2]}`] : [];
            });
            return {
              version: Number(m[1]),
              asn: asn(m[2]!),
              hold: Number(m[3]),
              id: m[4],
              four,
              mp,
            };
          });
        const got = messages
          .filter((m): m is OpenMessage => m.type === 'OPEN')
          .map((o) => ({
            version: o.version,
            asn: o.myAsn,
            hold: o.holdTime,
            id: o.bgpId,
            four: o.capabilities.flatMap((x) => (x.kind === 'four-octet-as' ? [x.asn] : [])),
            mp: o.capabilities.flatMap((x) =>
              x.kind === 'multiprotocol' ? [`${x.afi}/${x.safi}`] : [],
            ),
          }));
        expect(got).toEqual(want);
      });

      it('agrees with tcpdump on AS paths, communities and extended communities', () => {
        const updates = expected.filter((b) => b.kind === 'Update');
        const mine = messages.filter((m) => m.type === 'UPDATE');
        expect(mine.length).toBe(updates.length);
        updates.forEach((b, i) => {
          const u = mine[i]!;
          const text = b.lines.join('\n');
          const path = /AS Path \(2\), length: \d+, Flags \[\w*\]: ?(.*)$/m.exec(text)?.[1]?.trim();
          const as4 = /AS4 Path \(17\), length: \d+, Flags \[\w*\]: (.*)$/m.exec(text)?.[1]?.trim();
          const flat = (u.attributes.asPath ?? []).flatMap((s) => s.asns);
          if (path !== undefined && /^(empty|[\d. ]*)$/.test(path)) {
            const tokens = path === 'empty' || path === '' ? [] : path.split(/\s+/).map(asn);
            if (as4 === undefined) expect(flat).toEqual(tokens);
            else {
              // RFC 6793 4.2.3: the merged path ends with AS4_PATH and agrees with AS_PATH
              // wherever AS_PATH does not hold AS_TRANS.
              const four = as4.split(/\s+/).map(asn);
              expect(flat.slice(flat.length - four.length)).toEqual(four);
              expect(flat.length).toBe(tokens.length);
              tokens.forEach((t, k) => {
                if (t !== 23456) expect(flat[k]).toBe(t);
              });
            }
          }
          const comm = /[^e] Community \(8\), length: \d+, Flags \[\w*\]: (.*)$/m.exec(text)?.[1];
          if (comm !== undefined)
            expect(u.attributes.communities).toEqual(
              comm.split(', ').map((t) => parseCommunity(t.trim())),
            );
          const largeAt = b.lines.findIndex((l) => /Large Community \(32\)/.test(l));
          if (largeAt >= 0) {
            const values: number[][] = [];
            for (
              let k = largeAt + 1;
              k < b.lines.length && !/\(\d+\), length/.test(b.lines[k]!);
              k++
            ) {
              for (const m of b.lines[k]!.matchAll(/(\d+):(\d+):(\d+)/g))
                values.push([Number(m[1]), Number(m[2]), Number(m[3])]);
            }
            expect(u.attributes.largeCommunities).toEqual(values);
          }
          const targets = [...text.matchAll(/target \(0x0002\), Flags \[\w*\]: (\d+):(\d+)/g)].map(
            (m) => `${m[1]}:${m[2]}`,
          );
          const myTargets = (u.attributes.extendedCommunities ?? [])
            .filter((e) => e[0] === 0x00 && e[1] === 0x02)
            .map((e) => `${e.readUInt16BE(2)}:${e.readUInt32BE(4)}`);
          expect(myTargets).toEqual(targets);
        });
      });

      it('agrees with tcpdump on NOTIFICATION codes, shutdown communications and ROUTE-REFRESH', () => {
        const want = expected
          .filter((b) => b.kind === 'Notification')
          .map((b) => {
            const m = /, .*?\((\d+)\)(?:,? subcode .*?\((\d+)\))?/.exec(b.head)!;
            const text = /Shutdown Communication \(length: \d+\): "(.*)"/.exec(b.head)?.[1];
            return { code: Number(m[1]), subcode: Number(m[2] ?? 0), text };
          });
        const got = messages.flatMap((m) =>
          m.type === 'NOTIFICATION'
            ? [{ code: m.code, subcode: m.subcode, text: m.shutdownCommunication || undefined }]
            : [],
        );
        expect(got).toEqual(want);
        const rrWant = expected
          .filter((b) => b.kind === 'Route Refresh')
          .map((b) => {
            const m = /AFI .*?\((\d+)\), SAFI .*?\((\d+)\)(?:, Subtype .*?\((\d+)\))?/.exec(
              b.lines.join('\n'),
            )!;
            return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
          });
        const rrGot = messages.flatMap((m) =>
          m.type === 'ROUTE-REFRESH' ? [[m.afi, m.safi, m.subtype]] : [],
        );
        expect(rrGot).toEqual(rrWant);
      });
    });
  }
});
