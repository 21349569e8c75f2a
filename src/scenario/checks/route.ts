/** `route`: a router has (or, with absent: true, lacks) a route in its BGP table. */
import { checkRouter } from '../references.js';
import type { CheckDef } from '../registry/types.js';

export interface RouteExpectation {
  kind: 'route';
  router: string;
  prefix: string;
  nextHop?: string;
  communities?: string[];
  largeCommunities?: string[];
  localPref?: number;
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
    prefix: String(r['prefix']),
    ...(r['nextHop'] !== undefined ? { nextHop: String(r['nextHop']) } : {}),
    ...(r['communities'] ? { communities: r['communities'] as string[] } : {}),
    ...(r['largeCommunities'] ? { largeCommunities: r['largeCommunities'] as string[] } : {}),
    ...(r['localPref'] !== undefined ? { localPref: Number(r['localPref']) } : {}),
    absent: r['absent'] === true,
  }),
  describe: (e) => `route ${e.router} ${e.absent ? 'lacks' : 'has'} ${e.prefix}`,
  async check({ s }, e) {
    const family = e.prefix.includes(':') ? 'ipv6' : 'ipv4';
    const paths = (await s.peers.routes(e.router, family))[e.prefix] ?? [];
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
      return [...new Set(problems)];
    };
    const verdicts = paths.map(problemsOf);
    const matching = verdicts.filter((v) => v.length === 0).length;
    if (e.absent) {
      // Absent: no path meets the constraints (with a next hop: no path via that node).
      const what = `${e.prefix}${e.nextHop ? ` via ${e.nextHop}` : ''}`;
      return {
        ok: matching === 0,
        expected: `${e.router} lacks ${what}`,
        actual: matching ? `${e.router} has ${what}` : `${e.router} lacks ${what}`,
      };
    }
    const ok = matching > 0;
    const want = [
      e.prefix,
      e.nextHop && `via ${e.nextHop}`,
      e.communities && `communities ${e.communities.join(' ')}`,
      e.localPref !== undefined && `local-pref ${e.localPref}`,
    ]
      .filter(Boolean)
      .join(' ');
    const actual = paths.length === 0 ? 'no route' : verdicts.map((v) => v.join('; ')).join(' | ');
    return {
      ok,
      expected: `${e.router} has ${want}`,
      actual: ok ? 'as expected' : `${e.router}: ${actual}`,
    };
  },
};
