/**
 * Adj-RIB-In: UPDATEs applied as the decoder judged them (RFC 7606 withdrawnByError), RFC 7911
 * path identifiers kept apart, stale marks per family (RFC 4724, RFC 7313), End-of-RIB seen;
 * and when a session's end keeps routes for graceful restart (RFC 4724 4.2, RFC 8538 3).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdjRibIn } from '../../src/bgp/adj-rib-in.js';
import { keepsRoutesAfter } from '../../src/bgp/speaker.js';
import type { TransitionReason } from '../../src/bgp/fsm/index.js';
import {
  DEFAULT_CONTEXT,
  decodeMessage,
  endOfRib,
  type PathAttributes,
  type UpdateMessage,
} from '../../src/bgp/wire/index.js';
import { message } from './wire/support/hex.js';

const attrs: PathAttributes = { origin: 0, asPath: [], nextHop: '198.18.0.1' };
const v4 = (nlri: UpdateMessage['nlri'], withdrawn: UpdateMessage['withdrawn'] = []) =>
  ({ type: 'UPDATE', withdrawn, nlri, attributes: attrs }) as UpdateMessage;
const v6 = (prefixes: string[]): UpdateMessage => ({
  type: 'UPDATE',
  withdrawn: [],
  nlri: [],
  attributes: {
    ...attrs,
    mpReach: {
      afi: 2,
      safi: 1,
      nextHops: ['2001:db8::1'],
      nlri: prefixes.map((prefix) => ({ prefix })),
    },
  },
});

describe('AdjRibIn', () => {
  it('keeps two ADD-PATH paths to one prefix as two routes, and withdraws them one by one', () => {
    const rib = new AdjRibIn();
    rib.apply(
      v4([
        { prefix: '198.18.5.0/24', pathId: 1 },
        { prefix: '198.18.5.0/24', pathId: 2 },
      ]),
    );
    expect(rib.size).toBe(2);
    expect([...rib.routes()].map((r) => r.pathId)).toEqual([1, 2]);
    rib.apply(v4([], [{ prefix: '198.18.5.0/24', pathId: 1 }]));
    expect(rib.size).toBe(1);
    expect(rib.has('198.18.5.0/24', 2)).toBe(true);
    expect(rib.has('198.18.5.0/24', 1)).toBe(false);
  });

  it('applies the decoder verdict: a treat-as-withdraw UPDATE removes what it announces', () => {
    const rib = new AdjRibIn();
    rib.apply(v4([{ prefix: '198.18.0.5/32' }]));
    // ORIGIN 7 is invalid (RFC 4271 6.3 -> 3/6, RFC 7606 7.1 treat-as-withdraw).
    const bad = message(
      2,
      `
      0000                    // withdrawn routes length 0
      0014                    // total path attribute length 20
      40 01 01 07             // ORIGIN 7: invalid
      40 02 06 02 01 0000fde8 // AS_PATH AS_SEQUENCE [65000]
      40 03 04 c6120001       // NEXT_HOP 198.18.0.1
      20 c6120005             // NLRI 198.18.0.5/32
    `,
    );
    const r = decodeMessage(bad, { ...DEFAULT_CONTEXT, fourOctetAs: true });
    if (!r.ok || r.message.type !== 'UPDATE') throw new Error('decode failed');
    expect(r.withdrawnByError).toHaveLength(1);
    const applied = rib.apply(r.message, r.withdrawnByError);
    expect(applied).toEqual({ announced: 0, withdrawn: 1 });
    expect(rib.size).toBe(0);
  });

  it('marks and purges stale routes per family, and counts them', () => {
    const rib = new AdjRibIn();
    rib.apply(v4([{ prefix: '198.18.0.5/32' }, { prefix: '198.18.0.6/32' }]));
    rib.apply(v6(['2001:db8::5/128']));
    expect(rib.markStale({ afi: 1, safi: 1 })).toBe(2);
    expect(rib.staleCount).toBe(2);
    rib.apply(v4([{ prefix: '198.18.0.5/32' }])); // refreshed
    expect(rib.staleCount).toBe(1);
    expect(rib.purgeStale({ afi: 1, safi: 1 })).toBe(1);
    expect([...rib].map(([p]) => p)).toEqual(['198.18.0.5/32', '2001:db8::5/128']);
    expect(rib.staleCount).toBe(0);
    expect(rib.familiesHeld()).toEqual([
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ]);
    rib.clear({ afi: 2, safi: 1 });
    expect(rib.size).toBe(1);
  });

  it('recognises End-of-RIB markers and changes nothing for them', () => {
    const rib = new AdjRibIn();
    rib.apply(v4([{ prefix: '198.18.0.5/32' }]));
    expect(rib.apply(endOfRib(1, 1))).toEqual({
      announced: 0,
      withdrawn: 0,
      endOfRib: { afi: 1, safi: 1 },
    });
    expect(rib.apply(endOfRib(2, 1)).endOfRib).toEqual({ afi: 2, safi: 1 });
    expect(rib.size).toBe(1);
  });
});

describe('AdjRibIn against a model (fast-check)', () => {
  // Operations on a handful of prefixes and path ids in two families; the model is a Map of
  // "family prefix#id" -> stale.
  const prefix = fc.constantFrom('198.18.0.1/32', '198.18.0.2/32', '2001:db8::1/128');
  const nlri = fc.record({
    prefix,
    pathId: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
  });
  const op = fc.oneof(
    fc.record({ kind: fc.constant('announce' as const), nlri: fc.array(nlri, { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('withdraw' as const), nlri: fc.array(nlri, { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('error' as const), nlri: fc.array(nlri, { maxLength: 4 }) }),
    fc.record({ kind: fc.constantFrom('stale' as const, 'purge' as const), v6: fc.boolean() }),
  );
  it('keeps exactly what the operations leave, with the right stale marks and counts', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const rib = new AdjRibIn();
        const model = new Map<string, boolean>();
        const key = (n: { prefix: string; pathId?: number }) => `${n.prefix}#${n.pathId ?? ''}`;
        const isV6 = (k: string) => k.includes(':');
        const split = (list: { prefix: string; pathId?: number }[]) => ({
          v4: list.filter((n) => !n.prefix.includes(':')),
          v6: list.filter((n) => n.prefix.includes(':')),
        });
        for (const o of ops) {
          if (!('nlri' in o)) {
            const family = o.v6 ? { afi: 2, safi: 1 } : { afi: 1, safi: 1 };
            if (o.kind === 'stale') rib.markStale(family);
            else rib.purgeStale(family);
            for (const [k, stale] of [...model]) {
              if (isV6(k) !== o.v6) continue;
              if (o.kind === 'stale') model.set(k, true);
              else if (stale) model.delete(k);
            }
            continue;
          }
          const { v4, v6: six } = split(o.nlri);
          const u: UpdateMessage = {
            type: 'UPDATE',
            withdrawn: o.kind === 'withdraw' ? v4 : [],
            nlri: o.kind === 'withdraw' ? [] : v4,
            attributes: {
              ...attrs,
              ...(six.length && o.kind !== 'withdraw'
                ? { mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: six } }
                : {}),
              ...(six.length && o.kind === 'withdraw'
                ? { mpUnreach: { afi: 2, safi: 1, withdrawn: six } }
                : {}),
            },
          };
          if (o.nlri.length === 0) continue; // an End-of-RIB: nothing changes
          const byError =
            o.kind === 'error'
              ? [
                  ...(v4.length ? [{ afi: 1, safi: 1, nlri: v4 }] : []),
                  ...(six.length ? [{ afi: 2, safi: 1, nlri: six }] : []),
                ]
              : [];
          rib.apply(u, byError);
          for (const n of o.nlri) {
            if (o.kind === 'announce') model.set(key(n), false);
            else model.delete(key(n));
          }
        }
        const got = [...rib.routes()].map((r) => [key(r), r.stale] as const);
        expect(new Map(got)).toEqual(model);
        expect(rib.size).toBe(model.size);
        expect(rib.staleCount).toBe([...model.values()].filter(Boolean).length);
      }),
    );
  });
});

describe('which session ends keep the routes for graceful restart', () => {
  const rows: [string, TransitionReason, boolean, boolean][] = [
    // name, reason, N bit negotiated, kept
    ['TCP lost (RFC 4724 4.2)', 'tcp-failed', false, true],
    ['hold timer, no N bit', 'hold-timer-expired', false, false],
    ['hold timer, N bit (RFC 8538 3)', 'hold-timer-expired', true, true],
    ['Cease/2 received, N bit', { kind: 'notification-received', code: 6, subcode: 2 }, true, true],
    [
      'Cease/2 received, no N bit',
      { kind: 'notification-received', code: 6, subcode: 2 },
      false,
      false,
    ],
    [
      'Hard Reset received (RFC 8538 3)',
      { kind: 'notification-received', code: 6, subcode: 9 },
      true,
      false,
    ],
    ['UPDATE error sent, N bit', { kind: 'notification-sent', code: 3, subcode: 1 }, true, true],
    ['we stopped the session', 'admin', true, false],
    ['BFD Down: forwarding is broken', 'bfd-down', true, false],
  ];
  it.each(rows)('%s', (_name, reason, n, kept) => {
    expect(keepsRoutesAfter(reason, n)).toBe(kept);
  });
});
