/**
 * `neighbor`: a router resolves an address (a Service IP in L2 mode) to a node's MAC, as its
 * neighbour table shows it: `ip -j neigh` in the router's namespace (netns, compose) or the
 * builtin router's cache. A router with no resolved entry first sends traffic to the address,
 * so its kernel asks the segment (ARP, RFC 826; Neighbor Solicitation, RFC 4861 7.2.2).
 */
import { nodeMac } from '../../lab/names.js';
import { ScenarioErrorCode } from '../errors.js';
import { checkNode, checkRouter } from '../references.js';
import { fail } from '../resources.js';
import type { CheckDef } from '../registry/types.js';

export interface NeighborExpectation {
  kind: 'neighbor';
  router: string;
  address: string;
  /** The node whose MAC the address must resolve to. */
  node?: string;
  /** true: the router must not resolve the address at all (nobody answers). */
  unresolved: boolean;
}

export const neighborCheck: CheckDef<NeighborExpectation> = {
  kind: 'neighbor',
  key: 'neighbor',
  definition: [
    'neighborExpectation',
    {
      type: 'object',
      additionalProperties: false,
      required: ['router', 'address'],
      description:
        "A router's neighbour table (ip neigh) resolves an address to a node's MAC (L2 mode on the wire), or, with unresolved: true, to nobody.",
      properties: {
        router: { $ref: '#/definitions/objectName' },
        address: { $ref: '#/definitions/ipAddress' },
        node: {
          $ref: '#/definitions/objectName',
          description: 'The node whose MAC (each node has its own on the segment) it resolves to.',
        },
        unresolved: {
          type: 'boolean',
          description: 'true: no node answers for the address.',
        },
      },
    },
  ],
  parse(ctx, r, p) {
    if ((r['node'] === undefined) === (r['unresolved'] !== true)) {
      fail(
        ctx,
        ScenarioErrorCode.MissingField,
        ctx.map.valueAt(p),
        "expected exactly one of 'node' and 'unresolved: true'",
      );
    }
    return {
      kind: 'neighbor',
      router: checkRouter(ctx, r['router'], [...p, 'router']),
      address: String(r['address']),
      ...(r['node'] !== undefined ? { node: checkNode(ctx, r['node'], [...p, 'node']) } : {}),
      unresolved: r['unresolved'] === true,
    };
  },
  describe: (e) =>
    `neighbor ${e.router} resolves ${e.address} ${e.node ? `to ${e.node}` : 'to nobody'}`,
  async check({ s }, e) {
    const entry = await s.peers.neighbor(e.router, e.address, true);
    const owner = (mac: string | undefined): string => {
      if (mac === undefined) return 'unresolved';
      const n = s.scenario.topology.nodes.find((x) => nodeMac(s.labName, x.name) === mac);
      return `${mac} (${n ? n.name : 'not a node'})`;
    };
    const actual = `${e.router}: ${e.address} ${owner(entry?.mac)}${entry ? ` ${entry.state}` : ''}`;
    if (e.unresolved) {
      return {
        ok: entry?.mac === undefined,
        expected: `${e.router}: ${e.address} unresolved`,
        actual,
      };
    }
    const want = nodeMac(s.labName, e.node!);
    return {
      ok: entry?.mac === want,
      expected: `${e.router}: ${e.address} ${want} (${e.node})`,
      actual,
    };
  },
};
