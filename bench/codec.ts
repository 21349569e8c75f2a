/**
 * Codec throughput: 1,000,000 /32 prefixes packed into maximum-size UPDATEs (4096 octets),
 * encoded with encodeUpdates and decoded with decodeMessage; prefixes per second, median of
 * RUNS runs (5 by default) with min and max, each beside its goal. Rates are per core: prefixes over the CPU time this process used
 * (process.cpuUsage), so a busy shared machine does not hide the codec's own speed; wall-clock
 * rates are printed too. Not a test: run with `npm run bench:codec`.
 */
import { decodeMessage, encodeUpdates } from '../src/bgp/wire/index.js';
import type { CodecContext, Nlri } from '../src/bgp/wire/index.js';

const PREFIXES = Number(process.env.BENCH_PREFIXES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ctx: CodecContext = { fourOctetAs: true, extendedMessage: false };

const prefixes: Nlri[] = Array.from({ length: PREFIXES }, (_, i) => ({
  prefix: `${10 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}/32`,
}));
const attributes = {
  origin: 0 as const,
  asPath: [{ type: 'AS_SEQUENCE' as const, asns: [64512] }],
  nextHop: '198.18.0.1',
  communities: [0xfde80064],
};

/** Goal for decoding, per core, for /32 and /128 alike (issue 16). */
const DECODE_GOAL = 2e6;

function stats(rates: number[], goal?: number): string {
  const s = [...rates].sort((a, b) => a - b);
  const fmt = (r: number) => `${(r / 1e6).toFixed(2)}M`;
  const median = s[Math.floor(s.length / 2)]!;
  const verdict =
    goal === undefined ? '' : `  goal >= ${fmt(goal)}/s: ${median >= goal ? 'met' : 'NOT met'}`;
  return `median ${fmt(median)} /s (min ${fmt(s[0]!)}, max ${fmt(s[s.length - 1]!)})${verdict}`;
}

/** Runs `fn` and returns prefixes per CPU second and per wall-clock second. */
function measure(fn: () => void): { cpu: number; wall: number } {
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  fn();
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  return { cpu: PREFIXES / ((cpu.user + cpu.system) / 1e6), wall: PREFIXES / wall };
}

const encodeRates: { cpu: number; wall: number }[] = [];
const decodeRates: { cpu: number; wall: number }[] = [];
let messages: Buffer[] = [];
for (let run = 0; run < RUNS; run++) {
  encodeRates.push(
    measure(() => {
      messages = encodeUpdates({ attributes, announce: prefixes }, ctx);
    }),
  );
  let count = 0;
  decodeRates.push(
    measure(() => {
      for (const m of messages) {
        const r = decodeMessage(m, ctx);
        if (!r.ok || r.message.type !== 'UPDATE') throw new Error('bench message failed to decode');
        count += r.message.nlri.length;
      }
    }),
  );
  if (count !== PREFIXES) throw new Error(`decoded ${count} prefixes, expected ${PREFIXES}`);
}
console.log(
  `${PREFIXES} /32 prefixes in ${messages.length} UPDATEs of up to 4096 octets, ${RUNS} runs`,
);
// Secondary figure: IPv6 /128 service routes in MP_REACH_NLRI (MetalLB advertises those too).
const V6 = Math.floor(PREFIXES / 4);
const v6Prefixes: Nlri[] = Array.from({ length: V6 }, (_, i) => ({
  prefix: `2001:db8:${(i >>> 16).toString(16)}::${(i & 0xffff).toString(16)}/128`,
}));
const v6Encode: number[] = [];
const v6Decode: number[] = [];
for (let run = 0; run < RUNS; run++) {
  let v6Messages: Buffer[] = [];
  v6Encode.push(
    (measure(() => {
      v6Messages = encodeUpdates(
        { afi: 2, safi: 1, attributes, nextHops: ['2001:db8::1', 'fe80::1'], announce: v6Prefixes },
        ctx,
      );
    }).cpu *
      V6) /
      PREFIXES,
  );
  v6Decode.push(
    (measure(() => {
      for (const m of v6Messages) {
        const r = decodeMessage(m, ctx);
        if (!r.ok || r.errors.length > 0) throw new Error('bench message failed to decode');
      }
    }).cpu *
      V6) /
      PREFIXES,
  );
}

console.log(`encode per core: ${stats(encodeRates.map((r) => r.cpu))}`);
console.log(
  `decode per core: ${stats(
    decodeRates.map((r) => r.cpu),
    DECODE_GOAL,
  )}`,
);
console.log(`encode wall:     ${stats(encodeRates.map((r) => r.wall))}`);
console.log(`decode wall:     ${stats(decodeRates.map((r) => r.wall))}`);
console.log(`${V6} IPv6 /128 prefixes in MP_REACH_NLRI:`);
console.log(`encode per core: ${stats(v6Encode)}`);
console.log(`decode per core: ${stats(v6Decode, DECODE_GOAL)}`);
