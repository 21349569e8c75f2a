/** `route`: a router has (or, with absent: true, lacks) a route in its BGP table. */
import { checkRouter } from '../references.js';
import type { CheckDef } from '../registry/types.js';

export interface RouteExpectation {
  kind: 'route';
  router: string;
  /** The router's VRF table to look in; absent: the default VRF's. */
  vrf?: string;
  prefix: string;
  nextHop?: string;
  communities?: string[];
  largeCommunities?: string[];
  localPref?: number;
  /** RFC 4724: true, the router keeps it as stale (graceful restart); false, it does not. */
  stale?: boolean;
  /** true: the router must lack the route (after the timeout at the latest). */
  absent: boolean;
}

export const routeCheck: CheckDef<RouteExpectation> = {
  kind: 'route',
  key: 'route',
  definition: [
    'routeExpectation',
    {
      type: 'object',
      additionalProperties: false,
      required: ['router', 'prefix'],
      description: 'A router has (or, with absent: true, lacks) a route in its BGP table.',
      properties: {
        router: {
          $ref: '#/definitions/objectName',
        },
        vrf: {
          $ref: '#/definitions/vrfName',
          description:
            "The router's VRF table to look in (FRR `show bgp vrf NAME ...`); default: the default VRF's.",
        },
        prefix: {
          type: 'string',
          examples: ['192.168.122.210/32'],
        },
        nextHop: {
          $ref: '#/definitions/ipAddress',
        },
        communities: {
          type: 'array',
          items: {
            type: 'string',
            pattern: '^[0-9]+:[0-9]+$',
          },
          examples: [['64500:100']],
        },
        largeCommunities: {
          type: 'array',
          items: {
            type: 'string',
            pattern: '^[0-9]+:[0-9]+:[0-9]+$',
          },
        },
        localPref: {
          type: 'integer',
          minimum: 0,
          maximum: 4294967295,
        },
        stale: {
          type: 'boolean',
          description:
            'true: the router keeps the route as stale (graceful restart helper, RFC 4724); false: it does not.',
        },
        absent: {
          type: 'boolean',
          description: 'true: the router must not have the route.',
        },
      },
    },
  ],
  parse: (ctx, r, p) => ({
    kind: 'route',
    router: checkRouter(ctx, r['router'], [...p, 'router']),
    ...(typeof r['vrf'] === 'string' ? { vrf: r['vrf'] } : {}),
    prefix: String(r['prefix']),
    ...(r['nextHop'] !== undefined ? { nextHop: String(r['nextHop']) } : {}),
    ...(r['communities'] ? { communities: r['communities'] as string[] } : {}),
    ...(r['largeCommunities'] ? { largeCommunities: r['largeCommunities'] as string[] } : {}),
    ...(r['localPref'] !== undefined ? { localPref: Number(r['localPref']) } : {}),
    ...(typeof r['stale'] === 'boolean' ? { stale: r['stale'] } : {}),
    absent: r['absent'] === true,
  }),
  describe: (e) =>
    `route ${e.router}${e.vrf ? ` vrf ${e.vrf}` : ''} ${e.absent ? 'lacks' : 'has'} ${e.prefix}`,
  /**
   * A route that must stay: no node withdrew it from the router since `from` (an UPDATE's
   * Withdrawn Routes or MP_UNREACH_NLRI, RFC 4271 4.3 / RFC 4760 4), even if it came back
   * before the next poll. With a next hop, only that node's withdrawals count.
   */
  history({ s }, e, from) {
    const expected = `${e.router} has ${e.prefix}${e.nextHop ? ` via ${e.nextHop}` : ''}`;
    if (e.absent) return { ok: true, expected, actual: '' };
    const router = s.scenario.topology.routers.find((r) => r.name === e.router);
    const routerAddrs = [router?.addresses.ipv4?.address, router?.addresses.ipv6?.address];
    const nodeAddrs = (name: string) => {
      const n = s.scenario.topology.nodes.find((x) => x.name === name);
      return [n?.addresses, ...Object.values(n?.vrfs ?? {})].flatMap((a) => [
        a?.ipv4?.address,
        a?.ipv6?.address,
      ]);
    };
    const withdrawals = s.timeline
      .events()
      .filter(
        (ev) =>
          ev.kind === 'message' &&
          ev.t >= from &&
          ev.direction === 'sent' &&
          routerAddrs.includes(ev.peer) &&
          (ev.withdrawn ?? []).includes(e.prefix) &&
          (!e.nextHop || nodeAddrs(ev.node).includes(e.nextHop)),
      );
    return {
      ok: withdrawals.length === 0,
      expected,
      actual: withdrawals
        .map(
          (w) => `+${Math.round(w.t)}ms ${w.kind === 'message' ? w.node : ''} withdrew ${e.prefix}`,
        )
        .join('; '),
    };
  },
  async check({ s }, e) {
    const family = e.prefix.includes(':') ? 'ipv6' : 'ipv4';
    const paths = (await s.peers.routes(e.router, family, e.vrf))[e.prefix] ?? [];
    const router = `${e.router}${e.vrf ? ` (vrf ${e.vrf})` : ''}`;
    // Any path that meets every constraint will do (two nodes may announce one prefix).
    const problemsOf = (p: (typeof paths)[number]): string[] => {
      const problems: string[] = [];
      if (e.nextHop && !p.nexthops.some((h) => h.ip === e.nextHop))
        problems.push(`next hop ${p.nexthops.map((h) => h.ip).join(',')}`);
      for (const c of e.communities ?? [])
        if (!(p.communities ?? []).includes(c))
          problems.push(`communities ${JSON.stringify(p.communities ?? [])}`);
      for (const c of e.largeCommunities ?? [])
        if (!(p.largeCommunities ?? []).includes(c))
          problems.push(`large communities ${JSON.stringify(p.largeCommunities ?? [])}`);
      if (e.localPref !== undefined && p.localPref !== e.localPref)
        problems.push(`local-pref ${p.localPref ?? 'none'}`);
      if (e.stale !== undefined && (p.stale ?? false) !== e.stale)
        problems.push(p.stale ? 'stale' : 'not stale');
      return [...new Set(problems)];
    };
    const verdicts = paths.map(problemsOf);
    const matching = verdicts.filter((v) => v.length === 0).length;
    if (e.absent) {
      // Absent: no path meets the constraints (with a next hop: no path via that node).
      const what = `${e.prefix}${e.nextHop ? ` via ${e.nextHop}` : ''}`;
      return {
        ok: matching === 0,
        expected: `${router} lacks ${what}`,
        actual: matching ? `${router} has ${what}` : `${router} lacks ${what}`,
      };
    }
    const ok = matching > 0;
    const want = [
      e.prefix,
      e.nextHop && `via ${e.nextHop}`,
      e.communities && `communities ${e.communities.join(' ')}`,
      e.localPref !== undefined && `local-pref ${e.localPref}`,
      e.stale !== undefined && (e.stale ? 'stale' : 'not stale'),
    ]
      .filter(Boolean)
      .join(' ');
    const actual = paths.length === 0 ? 'no route' : verdicts.map((v) => v.join('; ')).join(' | ');
    return {
      ok,
      expected: `${router} has ${want}`,
      actual: ok ? 'as expected' : `${router}: ${actual}`,
    };
  },
};
