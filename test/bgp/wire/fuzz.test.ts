/**
 * Fuzzing: 100,000+ random and mutated messages (seeded, reproducible) through the framer and
 * decodeMessage under several contexts; only BgpWireError may come out, and whatever decodes
 * must re-encode (or fail with BgpEncodeError). Crashers found are replayed from crashers.ts.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom, randomInt } from '../../../src/core/random.js';
import type { Random } from '../../../src/core/random.js';
import {
  BgpEncodeError,
  BgpFramer,
  BgpWireError,
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  encodeUpdates,
  endOfRib,
} from '../../../src/bgp/wire/index.js';
import type { BgpMessage, CodecContext } from '../../../src/bgp/wire/index.js';
import { CRASHERS } from './crashers.js';

const CONTEXTS: CodecContext[] = [
  DEFAULT_CONTEXT,
  { fourOctetAs: true, extendedMessage: false },
  {
    fourOctetAs: true,
    extendedMessage: true,
    addPathReceive: new Set(['1/1', '2/1']),
    addPathSend: new Set(['1/1', '2/1']),
  },
];

/** Valid messages of every type to mutate. */
function corpus(): Buffer[] {
  const four = CONTEXTS[1]!;
  const messages: BgpMessage[] = [
    { type: 'KEEPALIVE' },
    {
      type: 'OPEN',
      version: 4,
      myAsn: 23456,
      holdTime: 90,
      bgpId: '198.18.0.1',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'four-octet-as', asn: 4200000000 },
        { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }] },
        {
          kind: 'graceful-restart',
          restarting: false,
          notification: true,
          restartTime: 120,
          families: [{ afi: 1, safi: 1, forwardingPreserved: false }],
        },
        { kind: 'fqdn', hostname: 'speaker', domain: 'lab' },
        { kind: 'extended-message' },
        { kind: 'role', role: 3 },
      ],
    },
    {
      type: 'UPDATE',
      withdrawn: [{ prefix: '198.18.9.0/24' }],
      attributes: {
        origin: 0,
        asPath: [
          { type: 'AS_SEQUENCE', asns: [65000, 4200000000] },
          { type: 'AS_SET', asns: [1, 2] },
        ],
        nextHop: '198.18.0.1',
        med: 5,
        localPref: 100,
        atomicAggregate: true,
        aggregator: { asn: 4200000000, address: '198.18.0.2' },
        communities: [0xffffff01, 0xfde80064],
        extendedCommunities: [Buffer.from('0002fde800000064', 'hex')],
        largeCommunities: [[1, 2, 3]],
        originatorId: '198.18.0.3',
        clusterList: ['198.18.0.4'],
        unknown: [{ flags: 0xc0, typeCode: 35, value: Buffer.from('0000fde8', 'hex') }],
      },
      nlri: [{ prefix: '198.18.0.5/32' }, { prefix: '198.18.1.0/25' }],
    },
    {
      type: 'UPDATE',
      withdrawn: [],
      attributes: {
        origin: 0,
        asPath: [],
        mpReach: {
          afi: 2,
          safi: 1,
          nextHops: ['2001:db8::1', 'fe80::1'],
          nlri: [{ prefix: '2001:db8::5/128' }],
        },
        mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8:1::/48' }] },
      },
      nlri: [],
    },
    endOfRib(2, 1),
    {
      type: 'NOTIFICATION',
      code: 6,
      subcode: 2,
      data: Buffer.alloc(0),
      shutdownCommunication: 'maintenance',
    },
    { type: 'NOTIFICATION', code: 6, subcode: 9, data: Buffer.from('0400', 'hex') },
    { type: 'ROUTE-REFRESH', afi: 2, safi: 1, subtype: 1 },
  ];
  const out = messages.map((m) => encodeMessage(m, four));
  // The 2-octet form of the big UPDATE (AS4_PATH, AS4_AGGREGATOR).
  out.push(encodeMessage(messages[2]!, DEFAULT_CONTEXT));
  out.push(
    ...encodeUpdates(
      {
        attributes: { origin: 0, asPath: [], nextHop: '198.18.0.1' },
        announce: Array.from({ length: 40 }, (_, i) => ({ prefix: `198.18.2.${i}/32`, pathId: i })),
      },
      CONTEXTS[2]!,
    ),
  );
  return out;
}

function mutate(r: Random, seed: Buffer): Buffer {
  const b = Buffer.from(seed);
  const kind = randomInt(r, 0, 7);
  const at = () => randomInt(r, 0, Math.max(0, b.length - 1));
  switch (kind) {
    case 0: // flip a few bits, mostly past the header
      for (let i = randomInt(r, 1, 4); i > 0; i--)
        b[randomInt(r, 16, b.length - 1)]! ^= 1 << randomInt(r, 0, 7);
      return b;
    case 1: // overwrite a byte with a boundary value
      b[randomInt(r, 18, b.length - 1)] = [0, 1, 0x7f, 0x80, 0xfe, 0xff][randomInt(r, 0, 5)]!;
      return b;
    case 2: {
      // truncate, keeping the header length honest
      const len = randomInt(r, 19, b.length);
      const t = Buffer.from(b.subarray(0, len));
      t.writeUInt16BE(len, 16);
      return t;
    }
    case 3: {
      // insert random bytes
      const pos = randomInt(r, 19, b.length);
      const extra = Buffer.from(
        Array.from({ length: randomInt(r, 1, 8) }, () => randomInt(r, 0, 255)),
      );
      const t = Buffer.concat([b.subarray(0, pos), extra, b.subarray(pos)]);
      t.writeUInt16BE(Math.min(t.length, 0xffff), 16);
      return t;
    }
    case 4: // random 16-bit value at a random place (length fields)
      if (b.length > 21) b.writeUInt16BE(randomInt(r, 0, 0xffff), randomInt(r, 19, b.length - 2));
      return b;
    case 5: // break the header length field
      b.writeUInt16BE(randomInt(r, 0, 0xffff), 16);
      return b;
    case 6: {
      // random body of a random type
      const body = Buffer.from(
        Array.from({ length: randomInt(r, 0, 120) }, () => randomInt(r, 0, 255)),
      );
      const t = Buffer.concat([Buffer.alloc(19, 0xff), body]);
      t.writeUInt16BE(t.length, 16);
      t[18] = randomInt(r, 0, 6);
      return t;
    }
    default:
      b[at()] = randomInt(r, 0, 255);
      return b;
  }
}

/** Outcome of the last exercise() call: an error code, or "ok". */
let lastOutcome = '';

/** Runs one input; returns a description of the failure, or undefined. */
function exercise(input: Buffer, ctx: CodecContext): string | undefined {
  try {
    const r = decodeMessage(input, ctx);
    lastOutcome = r.ok ? (r.errors[0]?.code ?? 'ok') : r.error.code;
    if (!r.ok)
      return r.error instanceof BgpWireError ? undefined : `non-typed error ${String(r.error)}`;
    for (const e of r.errors) if (!(e instanceof BgpWireError)) return 'non-typed non-fatal error';
    try {
      const again = encodeMessage(r.message, ctx);
      const back = decodeMessage(again, ctx);
      if (!back.ok && !(back.error instanceof BgpWireError)) return 're-decode failed untyped';
    } catch (e) {
      if (!(e instanceof BgpEncodeError)) return `re-encode threw ${String(e)}`;
    }
    const framer = new BgpFramer(ctx);
    framer.push(input.subarray(0, input.length >> 1));
    framer.push(input.subarray(input.length >> 1));
    return undefined;
  } catch (e) {
    return `threw ${e instanceof Error ? e.stack : String(e)}`;
  }
}

describe('fuzz', () => {
  it('replays saved crashers', () => {
    for (const row of CRASHERS) {
      const input = Buffer.from(row.hex, 'hex');
      const failure = exercise(input, CONTEXTS[row.context]!);
      expect(failure, row.note).toBeUndefined();
      // Each row is malformed on purpose: it must come out as a typed error.
      const r = decodeMessage(input, CONTEXTS[row.context]!);
      expect(r.ok ? r.errors.map((e) => e.code) : [r.error.code], row.note).toContain(row.code);
    }
  });

  // About 6 s of CPU on an idle core; the timeout leaves room for a busy shared machine.
  it('100,000 random and mutated messages give only typed errors', { timeout: 90_000 }, () => {
    // Stack traces are the most expensive part of creating the many expected errors; the
    // codes and protocol numbers are what this test checks.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const failures: string[] = [];
    const outcomes = new Map<string, number>();
    try {
      const seeds = corpus();
      const r = new SeededRandom(0x5eed_b9b);
      const N = 100_000;
      for (let i = 0; i < N && failures.length < 10; i++) {
        let input = seeds[randomInt(r, 0, seeds.length - 1)]!;
        for (let k = randomInt(r, 1, 3); k > 0; k--) input = mutate(r, input);
        const context = randomInt(r, 0, CONTEXTS.length - 1);
        const failure = exercise(input, CONTEXTS[context]!);
        outcomes.set(lastOutcome, (outcomes.get(lastOutcome) ?? 0) + 1);
        if (failure)
          failures.push(
            `{ context: ${context}, hex: '${input.toString('hex')}', note: ${JSON.stringify(failure.split('\n')[0])} }`,
          );
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    expect(failures).toEqual([]);
    // The mutations reach deep into the decoder: clean decodes and many distinct error codes.
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(5_000);
    expect(outcomes.size).toBeGreaterThan(20);
  });

  it('a byte stream of garbage never hangs the framer', () => {
    const r = new SeededRandom(7);
    for (let i = 0; i < 200; i++) {
      const framer = new BgpFramer(CONTEXTS[i % 3]!);
      const stream = Buffer.from(Array.from({ length: 2000 }, () => randomInt(r, 0, 255)));
      // Mostly-valid headers so that bodies get collected too.
      for (let p = 0; p + 19 < stream.length; p += randomInt(r, 19, 400))
        stream.fill(0xff, p, p + 16);
      let seenError = false;
      for (let p = 0; p < stream.length; p += 97) {
        const out = framer.push(stream.subarray(p, p + 97));
        if (out.error) {
          expect(out.error).toBeInstanceOf(BgpWireError);
          seenError = true;
        }
      }
      expect(seenError || framer.pending < 65536).toBe(true);
    }
  });
});
