/**
 * Codec throughput: 1,000,000 /32 prefixes packed into maximum-size UPDATEs (4096 octets),
 * encoded with encodeUpdates and decoded with decodeMessage; prefixes per second, median of
 * RUNS runs with min and max. Not a test: run with `npm run bench:codec`.
 */
import { decodeMessage, encodeUpdates } from '../src/bgp/wire/index.js';
import type { CodecContext, Nlri } from '../src/bgp/wire/index.js';

const PREFIXES = Number(process.env.BENCH_PREFIXES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
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

function stats(rates: number[]): string {
  const s = [...rates].sort((a, b) => a - b);
  const fmt = (r: number) => `${(r / 1e6).toFixed(2)}M`;
  return `median ${fmt(s[Math.floor(s.length / 2)]!)} /s (min ${fmt(s[0]!)}, max ${fmt(s[s.length - 1]!)})`;
}

const encodeRates: number[] = [];
const decodeRates: number[] = [];
let messages: Buffer[] = [];
for (let run = 0; run < RUNS; run++) {
  let t = process.hrtime.bigint();
  messages = encodeUpdates({ attributes, announce: prefixes }, ctx);
  encodeRates.push(PREFIXES / (Number(process.hrtime.bigint() - t) / 1e9));
  t = process.hrtime.bigint();
  let count = 0;
  for (const m of messages) {
    const r = decodeMessage(m, ctx);
    if (!r.ok || r.message.type !== 'UPDATE') throw new Error('bench message failed to decode');
    count += r.message.nlri.length;
  }
  decodeRates.push(PREFIXES / (Number(process.hrtime.bigint() - t) / 1e9));
  if (count !== PREFIXES) throw new Error(`decoded ${count} prefixes, expected ${PREFIXES}`);
}
console.log(
  `${PREFIXES} /32 prefixes in ${messages.length} UPDATEs of up to 4096 octets, ${RUNS} runs`,
);
console.log(`encode: ${stats(encodeRates)}`);
console.log(`decode: ${stats(decodeRates)}`);
