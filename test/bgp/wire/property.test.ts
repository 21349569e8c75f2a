/** Property tests: encode then decode gives back the same message, under several contexts. */
import fc from 'fast-check';
import { Address6 } from 'ip-address';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  encodeUpdates,
  formatIpv6,
  parseIpv6,
  updateMessages,
} from '../../../src/bgp/wire/index.js';
import type { BgpMessage, CodecContext, Nlri } from '../../../src/bgp/wire/index.js';
import * as arb from './support/arbitraries.js';

const contexts: [string, CodecContext][] = [
  ['2-octet AS', DEFAULT_CONTEXT],
  ['4-octet AS', { fourOctetAs: true, extendedMessage: false }],
  [
    '4-octet AS with ADD-PATH',
    {
      fourOctetAs: true,
      extendedMessage: true,
      addPathReceive: new Set(['1/1', '2/1']),
      addPathSend: new Set(['1/1', '2/1']),
    },
  ],
];

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

/** Random NOTIFICATION data may hold a bad shutdown communication: reported, not fatal. */
const NOTIFICATION_DATA_ERRORS = ['ERR_BGP_SHUTDOWN_COMMUNICATION', 'ERR_BGP_HARD_RESET_DATA'];

function roundTrip(msg: BgpMessage, ctx: CodecContext): { bytes: Buffer; back: BgpMessage } {
  const bytes = encodeMessage(msg, ctx);
  const r = decodeMessage(bytes, ctx);
  if (!r.ok) throw r.error;
  const allowed = msg.type === 'NOTIFICATION' ? NOTIFICATION_DATA_ERRORS : [];
  expect(r.errors.map((e) => e.code).filter((c) => !allowed.includes(c))).toEqual([]);
  // Encoding what was decoded gives the same bytes.
  expect(encodeMessage(r.message, ctx).equals(bytes)).toBe(true);
  return { bytes, back: r.message };
}

describe.each(contexts)('round trips (%s)', (_name, ctx) => {
  it('UPDATE', () => {
    fc.assert(
      fc.property(arb.update(ctx), (u) => {
        expect(plain(roundTrip(u, ctx).back)).toEqual(plain(u));
      }),
      { numRuns: 300 },
    );
  });

  it('OPEN', () => {
    fc.assert(
      fc.property(arb.open, (o) => {
        const { bytes, back } = roundTrip(o, ctx);
        // Parameters over 255 octets force the RFC 9072 form, which the decoder reports.
        const extended = bytes[28] === 255 && bytes[29] === 255;
        expect(plain(back)).toEqual(
          plain({ ...o, extendedOptionalParameters: extended ? true : undefined }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('NOTIFICATION (code, subcode and data kept; shutdown communication decoded)', () => {
    fc.assert(
      fc.property(arb.notification, (n) => {
        const back = roundTrip(n, ctx).back;
        expect(
          back.type === 'NOTIFICATION' && [back.code, back.subcode, back.data.toString('hex')],
        ).toEqual([n.code, n.subcode, n.data.toString('hex')]);
      }),
    );
    fc.assert(
      fc.property(arb.shutdownText, fc.constantFrom(2, 4), (text, subcode) => {
        const back = roundTrip(
          {
            type: 'NOTIFICATION',
            code: 6,
            subcode,
            data: Buffer.alloc(0),
            shutdownCommunication: text,
          },
          ctx,
        ).back;
        expect(back.type === 'NOTIFICATION' && back.shutdownCommunication).toBe(text);
      }),
    );
  });

  it('ROUTE-REFRESH and KEEPALIVE', () => {
    fc.assert(
      fc.property(arb.routeRefresh, (rr) => {
        expect(plain(roundTrip(rr, ctx).back)).toEqual(plain(rr));
      }),
    );
    expect(roundTrip({ type: 'KEEPALIVE' }, ctx).back).toEqual({ type: 'KEEPALIVE' });
  });
});

describe('encodeUpdates packing', () => {
  const attributes = {
    origin: 0 as const,
    asPath: [{ type: 'AS_SEQUENCE' as const, asns: [64512] }],
    nextHop: '198.18.0.1',
  };

  function decodeAll(messages: Buffer[], c: CodecContext) {
    return messages.map((m) => {
      const r = decodeMessage(m, c);
      if (!r.ok) throw r.error;
      expect(r.errors).toEqual([]);
      if (r.message.type !== 'UPDATE') throw new Error('not an UPDATE');
      return r.message;
    });
  }

  it('carries every prefix once, in order, in as few UPDATEs as fit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...contexts.map((c) => c[1])),
        fc.boolean(),
        fc.array(arb.ipv4Prefix, { maxLength: 1500 }),
        fc.array(arb.ipv6Prefix, { maxLength: 400 }),
        (c, withdraw, v4, v6) => {
          const max = c.extendedMessage ? 65535 : 4096;
          const add = (p: string[], family: string): Nlri[] =>
            p.map((prefix, i) => (c.addPathSend?.has(family) ? { prefix, pathId: i } : { prefix }));
          const n4 = add(v4, '1/1');
          const n6 = add(v6, '2/1');
          const m4 = encodeUpdates(
            withdraw ? { attributes: {}, withdraw: n4 } : { attributes, announce: n4 },
            c,
          );
          const m6 = encodeUpdates(
            withdraw
              ? { afi: 2, safi: 1, attributes: {}, withdraw: n6 }
              : { afi: 2, safi: 1, attributes, nextHops: ['2001:db8::1', 'fe80::1'], announce: n6 },
            c,
          );
          for (const m of [...m4, ...m6]) expect(m.length).toBeLessThanOrEqual(max);
          const u4 = decodeAll(m4, c);
          const u6 = decodeAll(m6, c);
          const got4 = u4.flatMap((u) => (withdraw ? u.withdrawn : u.nlri));
          const got6 = u6.flatMap((u) =>
            withdraw
              ? (u.attributes.mpUnreach?.withdrawn ?? [])
              : (u.attributes.mpReach?.nlri ?? []),
          );
          expect(got4).toEqual(n4);
          expect(got6).toEqual(n6);
          if (!withdraw)
            for (const u of [...u4, ...u6]) expect(u.attributes.asPath).toEqual(attributes.asPath);
          // Fewest messages: the first prefix of each next message did not fit the one before.
          for (const [msgs, list] of [
            [m4, u4.map((u) => (withdraw ? u.withdrawn : u.nlri))],
            [
              m6,
              u6.map((u) =>
                withdraw
                  ? (u.attributes.mpUnreach?.withdrawn ?? [])
                  : (u.attributes.mpReach?.nlri ?? []),
              ),
            ],
          ] as const) {
            for (let i = 0; i + 1 < msgs.length; i++) {
              const first = list[i + 1]![0]!;
              const bits = Number(first.prefix.split('/')[1]);
              const size = 1 + Math.ceil(bits / 8) + (first.pathId !== undefined ? 4 : 0);
              expect(msgs[i]!.length + size).toBeGreaterThan(max);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('encodes bare prefix strings as the same bytes as Nlri without path ids', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...contexts.map((c) => c[1]).filter((c) => !c.addPathSend?.size)),
        fc.boolean(),
        fc.array(arb.ipv4Prefix, { maxLength: 1500 }),
        fc.array(arb.ipv6Prefix, { maxLength: 400 }),
        (c, withdraw, v4, v6) => {
          const batches = (list: (p: string[]) => (Nlri | string)[]) => [
            withdraw ? { attributes: {}, withdraw: list(v4) } : { attributes, announce: list(v4) },
            withdraw
              ? { afi: 2, safi: 1, attributes: {}, withdraw: list(v6) }
              : {
                  afi: 2,
                  safi: 1,
                  attributes,
                  nextHops: ['2001:db8::1'],
                  announce: list(v6),
                },
          ];
          const objects = batches((p) => p.map((prefix) => ({ prefix })));
          const strings = batches((p) => p);
          for (let i = 0; i < objects.length; i++) {
            expect(encodeUpdates(strings[i]!, c)).toEqual(encodeUpdates(objects[i]!, c));
            // The lazy form yields the same messages, one at a time.
            expect([...updateMessages(strings[i]!, c)]).toEqual(encodeUpdates(objects[i]!, c));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('yields each UPDATE as it fills: the messages before a bad prefix come out before its error', () => {
    const good = Array.from({ length: 2000 }, (_, i) => `10.0.${i >> 8}.${i & 255}/32`);
    const gen = updateMessages(
      { attributes: {}, withdraw: [...good, '10.0.0.256/32'] },
      DEFAULT_CONTEXT,
    );
    const out: Buffer[] = [];
    let error: unknown;
    try {
      for (const m of gen) out.push(m);
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe('ERR_BGP_ENCODE_VALUE');
    // 2,000 /32s of 5 octets: two full 4,096-octet messages (814 each) went out before it.
    expect(out).toHaveLength(2);
    expect(out.every((m) => m.length <= 4096 && m.length > 4096 - 5)).toBe(true);
    expect(decodeAll(out, DEFAULT_CONTEXT).flatMap((u) => u.withdrawn)).toEqual(
      good.slice(0, 2 * 814).map((prefix) => ({ prefix })),
    );
  });
});

describe('IPv6 text', () => {
  it('formats as RFC 5952 canonical text (checked against ip-address) and parses back', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          // Many zero groups, to exercise "::" placement.
          fc.array(fc.constantFrom(0, 0, 0, 1, 0xffff), { minLength: 8, maxLength: 8 }).map((g) => {
            const b = new Uint8Array(16);
            g.forEach((v, i) => {
              b[2 * i] = v >> 8;
              b[2 * i + 1] = v & 0xff;
            });
            return b;
          }),
        ),
        (b) => {
          const text = formatIpv6(b, 0);
          const mapped =
            b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
          if (!mapped) expect(text).toBe(Address6.fromUnsignedByteArray([...b]).correctForm());
          expect(parseIpv6(text)?.equals(Buffer.from(b))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
