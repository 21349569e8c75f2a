import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdjRibOut, AttributeTable, type RouteAttributes } from '../../src/bgp/rib.js';
import { ATTRIBUTES } from '../../src/bgp/wire/index.js';

const nh = { nextHop: '198.18.0.10' };

describe('AdjRibOut', () => {
  it('groups announcements by shared attributes and withdraws removed prefixes', () => {
    const rib = new AdjRibOut();
    rib.set('192.168.122.210/32', nh);
    rib.set('192.168.122.211/32', { nextHop: '198.18.0.10' });
    rib.set('192.168.122.212/32', { ...nh, communities: [65000 * 65536 + 1] });
    const first = rib.takePending();
    expect(first.withdraw).toEqual([]);
    expect(first.announce.map((g) => g.prefixes)).toEqual([
      ['192.168.122.210/32', '192.168.122.211/32'],
      ['192.168.122.212/32'],
    ]);
    rib.remove('192.168.122.211/32');
    expect(rib.takePending()).toEqual({ announce: [], withdraw: ['192.168.122.211/32'] });
    expect(rib.hasPending()).toBe(false);
  });

  it('sends nothing for a change that was undone before the flush', () => {
    const rib = new AdjRibOut();
    rib.set('10.0.0.1/32', nh);
    rib.takePending();
    rib.remove('10.0.0.1/32');
    rib.set('10.0.0.1/32', { nextHop: '198.18.0.10' });
    expect(rib.takePending()).toEqual({ announce: [], withdraw: [] });
  });

  it('treats community order as meaningless', () => {
    const table = new AttributeTable();
    const a = table.intern({ ...nh, communities: [2, 1] });
    const b = table.intern({ ...nh, communities: [1, 2] });
    expect(a).toBe(b);
    expect(table.size).toBe(1);
  });

  it('re-announces everything on refresh (route refresh) and replaceAll converges', () => {
    const rib = new AdjRibOut();
    rib.replaceAll([
      ['10.0.0.1/32', nh],
      ['10.0.0.2/32', nh],
    ]);
    rib.takePending();
    rib.refresh();
    expect(rib.takePending().announce[0]?.prefixes).toEqual(['10.0.0.1/32', '10.0.0.2/32']);
    rib.replaceAll([['10.0.0.2/32', nh]]);
    expect(rib.takePending()).toEqual({ announce: [], withdraw: ['10.0.0.1/32'] });
    expect([...rib.prefixes()]).toEqual(['10.0.0.2/32']);
  });

  it('keeps a withdrawal not yet sent through a route refresh: the peer still has the route', () => {
    const rib = new AdjRibOut();
    rib.set('10.0.0.1/32', nh);
    rib.set('10.0.0.2/32', nh);
    rib.takePending();
    rib.remove('10.0.0.1/32');
    rib.refresh();
    const pending = rib.takePending();
    expect(pending.withdraw).toEqual(['10.0.0.1/32']);
    expect(pending.announce.map((g) => g.prefixes)).toEqual([['10.0.0.2/32']]);
  });

  it('drops unsent withdrawals on a new session (the peer knows nothing) and announces all', () => {
    const rib = new AdjRibOut();
    rib.set('10.0.0.1/32', nh);
    rib.set('10.0.0.2/32', nh);
    rib.takePending();
    rib.remove('10.0.0.1/32');
    rib.set('10.0.0.2/32', { ...nh, med: 5 });
    rib.peerReset();
    const pending = rib.takePending();
    expect(pending.withdraw).toEqual([]);
    expect(pending.announce.map((g) => [g.attributes.attrs.med, g.prefixes])).toEqual([
      [5, ['10.0.0.2/32']],
    ]);
    expect(rib.hasPending()).toBe(false);
  });

  it('announces a changed route once, with the latest attributes, and nothing when it settles', () => {
    const rib = new AdjRibOut();
    rib.set('10.0.0.1/32', nh);
    rib.takePending();
    rib.set('10.0.0.1/32', { ...nh, med: 1 });
    rib.set('10.0.0.1/32', { ...nh, med: 2 });
    const pending = rib.takePending();
    expect(pending.announce.map((g) => [g.attributes.attrs.med, g.prefixes])).toEqual([
      [2, ['10.0.0.1/32']],
    ]);
    rib.set('10.0.0.1/32', { ...nh, med: 3 });
    rib.set('10.0.0.1/32', { ...nh, med: 2 });
    expect(rib.takePending()).toEqual({ announce: [], withdraw: [] });
  });

  it('matches a model that keeps what the peer was sent, over random operations', () => {
    // The model is the obvious two-table Adj-RIB-Out: what is desired and what the peer holds.
    const op = fc.oneof(
      fc.record({ k: fc.constant('set' as const), p: fc.nat(5), med: fc.nat(2) }),
      fc.record({ k: fc.constant('remove' as const), p: fc.nat(5) }),
      fc.record({ k: fc.constantFrom('take' as const, 'refresh' as const, 'reset' as const) }),
      fc.record({
        k: fc.constant('replace' as const),
        routes: fc.uniqueArray(fc.record({ p: fc.nat(5), med: fc.nat(2) }), {
          selector: (r) => r.p,
          maxLength: 4,
        }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const rib = new AdjRibOut();
        const desired = new Map<string, number>();
        let peer = new Map<string, number>();
        // A refresh re-advertises the whole Adj-RIB-Out as it is when the UPDATEs go out.
        let refreshed = false;
        const check = (): void => {
          const got = rib.takePending();
          const announced = new Map<string, number>();
          for (const g of got.announce)
            for (const p of g.prefixes) announced.set(p, g.attributes.attrs.med!);
          const wantAnnounce = [...desired].filter(([p, m]) => peer.get(p) !== m || refreshed);
          const wantWithdraw = [...peer.keys()].filter((p) => !desired.has(p));
          expect([...announced].sort()).toEqual(wantAnnounce.sort());
          expect([...got.withdraw].sort()).toEqual(wantWithdraw.sort());
          peer = new Map(desired);
          refreshed = false;
        };
        for (const o of ops) {
          const prefix = `10.0.0.${'p' in o ? o.p : 0}/32`;
          if (o.k === 'set') {
            desired.set(prefix, o.med);
            rib.set(prefix, { ...nh, med: o.med });
          } else if (o.k === 'remove') {
            desired.delete(prefix);
            rib.remove(prefix);
          } else if (o.k === 'replace') {
            desired.clear();
            for (const r of o.routes) desired.set(`10.0.0.${r.p}/32`, r.med);
            rib.replaceAll(o.routes.map((r) => [`10.0.0.${r.p}/32`, { ...nh, med: r.med }]));
          } else if (o.k === 'take') check();
          else if (o.k === 'refresh') {
            rib.refresh();
            refreshed = true;
          } else {
            rib.peerReset();
            peer = new Map();
            refreshed = false;
          }
        }
        check();
        expect(rib.hasPending()).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('AttributeTable keys come from the codec registry', () => {
  // One sample value per keyed attribute. A new descriptor with a key and no sample here fails
  // the first test: no attribute can be left out of the key unnoticed.
  const samples: Record<string, Partial<RouteAttributes>> = {
    ORIGIN: { origin: 2 },
    AS_PATH: { asPath: [{ type: 'AS_SEQUENCE', asns: [64512] }] },
    NEXT_HOP: {},
    MULTI_EXIT_DISC: { med: 5 },
    LOCAL_PREF: { localPref: 200 },
    ATOMIC_AGGREGATE: { atomicAggregate: true },
    AGGREGATOR: { aggregator: { asn: 64512, address: '198.18.0.9' } },
    COMMUNITIES: { communities: [1] },
    ORIGINATOR_ID: { originatorId: '198.18.0.7' },
    CLUSTER_LIST: { clusterList: ['198.18.0.8'] },
    EXTENDED_COMMUNITIES: { extendedCommunities: [Buffer.from('0002fde800000001', 'hex')] },
    LARGE_COMMUNITIES: { largeCommunities: [[64512, 1, 2]] },
    ONLY_TO_CUSTOMER: { onlyToCustomer: 64512 },
  };

  it('has a sample for every keyed attribute', () => {
    const keyed = ATTRIBUTES.filter((d) => d.key).map((d) => d.name);
    expect(Object.keys(samples).sort()).toEqual(keyed.sort());
  });

  it.each(Object.entries(samples).filter(([, v]) => Object.keys(v).length > 0))(
    'routes that differ only in %s get different entries',
    (_name, sample) => {
      const table = new AttributeTable();
      const plain = table.intern(nh);
      const other = table.intern({ ...nh, ...sample });
      expect(other).not.toBe(plain);
      expect(table.intern({ ...nh, ...sample })).toBe(other);
    },
  );

  it('ignores the order of communities but not of the AS path', () => {
    const table = new AttributeTable();
    expect(table.intern({ ...nh, communities: [1, 2] })).toBe(
      table.intern({ ...nh, communities: [2, 1] }),
    );
    const path = (asns: number[]) => ({ ...nh, asPath: [{ type: 'AS_SEQUENCE' as const, asns }] });
    expect(table.intern(path([1, 2]))).not.toBe(table.intern(path([2, 1])));
  });
});
