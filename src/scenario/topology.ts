/**
 * Normalizes the `topology` section: fills in the lab name, subnets and missing addresses,
 * and checks names and addresses. The lab only ever uses never-routed ranges (RFC 2544's
 * 198.18.0.0/15 and RFC 3849's 2001:db8::/32), so with the netns and compose backends, which
 * put addresses on real (namespaced) interfaces, anything else is refused. With builtin peers
 * addresses are labels mapped onto loopback, so a seed's own addresses may be kept verbatim.
 */
import { Address4, Address6 } from 'ip-address';
import { ScenarioError, ScenarioErrorCode } from './errors.js';
import { fail, type LoadContext } from './resources.js';
import type { YamlPath } from './source-map.js';
import type {
  AddressPair,
  Backend,
  BfdSettings,
  InterfaceAddress,
  NodeSpec,
  RouterSpec,
  Topology,
} from './types.js';

export const DEFAULT_SUBNET_V4 = '198.18.0.0/24';
export const DEFAULT_SUBNET_V6 = '2001:db8::/64';
const ALLOWED_V4 = new Address4('198.18.0.0/15');
const ALLOWED_V6 = new Address6('2001:db8::/32');
/** First host number given to routers and to nodes when they name no address. */
const FIRST_ROUTER_HOST = 1n;
const FIRST_NODE_HOST = 101n;

interface RawAddresses {
  ipv4?: string;
  ipv6?: string;
}
interface RawRouter {
  name: string;
  asn: number;
  routerId?: string;
  addresses?: RawAddresses;
  port?: number;
  vrf?: string;
  vrfSegment?: string;
  ttlSecurityHops?: number;
  unnumbered?: boolean;
  bfd?: BfdSettings;
  originate?: { ipv4?: string[]; ipv6?: string[] };
  options?: Record<string, unknown>;
}
interface RawNode {
  name: string;
  labels?: Record<string, string>;
  addresses?: RawAddresses;
  interface?: string;
  vrfs?: Record<string, RawAddresses>;
}
export interface RawTopology {
  lab?: string;
  subnets?: RawAddresses;
  routers?: RawRouter[];
  nodes: RawNode[];
}

function parseInterface(text: string, v6: boolean): InterfaceAddress | undefined {
  try {
    const a = v6 ? new Address6(text) : new Address4(text);
    return { address: a.correctForm(), prefixLength: a.subnetMask };
  } catch {
    return undefined;
  }
}

function inAllowedRange(ia: InterfaceAddress, v6: boolean): boolean {
  return v6
    ? new Address6(ia.address).isInSubnet(ALLOWED_V6)
    : new Address4(ia.address).isInSubnet(ALLOWED_V4);
}

/** Host `n` of a subnet, as an interface address with the subnet's prefix length. */
function hostOf(subnet: InterfaceAddress, n: bigint, v6: boolean): InterfaceAddress {
  const text = `${subnet.address}/${subnet.prefixLength}`;
  const start = v6
    ? new Address6(text).startAddress().bigInt()
    : new Address4(text).startAddress().bigInt();
  const addr = v6 ? Address6.fromBigInt(start + n) : Address4.fromBigInt(start + n);
  return { address: addr.correctForm(), prefixLength: subnet.prefixLength };
}

export function normalizeTopology(
  ctx: LoadContext,
  raw: RawTopology,
  scenarioName: string,
  backend: Backend,
): Topology {
  const base: YamlPath = ['topology'];
  const subnet4 = parseInterface(raw.subnets?.ipv4 ?? DEFAULT_SUBNET_V4, false);
  const subnet6 = parseInterface(raw.subnets?.ipv6 ?? DEFAULT_SUBNET_V6, true);
  if (!subnet4)
    fail(
      ctx,
      ScenarioErrorCode.BadValue,
      ctx.map.valueAt([...base, 'subnets', 'ipv4']),
      'expected a valid IPv4 subnet',
    );
  if (!subnet6)
    fail(
      ctx,
      ScenarioErrorCode.BadValue,
      ctx.map.valueAt([...base, 'subnets', 'ipv6']),
      'expected a valid IPv6 subnet',
    );

  const used = new Map<string, string>(); // address -> owner name
  const names = new Set<string>();

  const checkName = (name: string, path: YamlPath) => {
    if (names.has(name)) {
      fail(
        ctx,
        ScenarioErrorCode.Duplicate,
        ctx.map.valueAt(path),
        `name '${name}' is already used by another router or node`,
      );
    }
    names.add(name);
  };

  /** Explicit addresses first, so that allocation can skip them; `path` is the addresses' own. */
  const explicit = (owner: string, raw: RawAddresses | undefined, path: YamlPath): AddressPair => {
    const pair: AddressPair = {};
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const text = raw?.[fam];
      if (text === undefined) continue;
      const v6 = fam === 'ipv6';
      const ia = parseInterface(text, v6);
      const pos = ctx.map.valueAt([...path, fam]);
      if (!ia) {
        fail(
          ctx,
          ScenarioErrorCode.BadValue,
          pos,
          `expected a valid ${v6 ? 'IPv6' : 'IPv4'} address with prefix length, got '${text}'`,
        );
        continue;
      }
      const prior = used.get(ia.address);
      if (prior)
        fail(
          ctx,
          ScenarioErrorCode.Duplicate,
          pos,
          `address ${ia.address} is already used by '${prior}'`,
        );
      used.set(ia.address, owner);
      pair[fam] = ia;
    }
    return pair;
  };

  const routersRaw = raw.routers ?? [];
  const routerPairs = routersRaw.map((r, i) => {
    checkName(r.name, [...base, 'routers', i, 'name']);
    return explicit(r.name, r.addresses, [...base, 'routers', i, 'addresses']);
  });
  const nodePairs = raw.nodes.map((n, i) => {
    checkName(n.name, [...base, 'nodes', i, 'name']);
    return explicit(n.name, n.addresses, [...base, 'nodes', i, 'addresses']);
  });
  // VRF interfaces: explicit addresses only (a VRF is a segment of its own, with no lab subnet).
  const nodeVrfs = raw.nodes.map((n, i) =>
    Object.fromEntries(
      Object.entries(n.vrfs ?? {}).map(([vrf, addrs]) => {
        const path: YamlPath = [...base, 'nodes', i, 'vrfs', vrf];
        if (addrs?.ipv4 === undefined && addrs?.ipv6 === undefined)
          fail(
            ctx,
            ScenarioErrorCode.BadValue,
            ctx.map.valueAt(path),
            `the interface in VRF ${vrf} needs an ipv4 or ipv6 address`,
          );
        return [vrf, explicit(`${n.name} (vrf ${vrf})`, addrs, path)];
      }),
    ),
  );

  const allocate = (pair: AddressPair, owner: string, first: bigint) => {
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const subnet = fam === 'ipv4' ? subnet4 : subnet6;
      if (pair[fam] || !subnet) continue;
      for (let n = first; n < first + 1000n; n++) {
        const ia = hostOf(subnet, n, fam === 'ipv6');
        if (!used.has(ia.address)) {
          used.set(ia.address, owner);
          pair[fam] = ia;
          break;
        }
      }
    }
  };
  routersRaw.forEach((r, i) => {
    // A router in a VRF sits on that VRF's segment: the lab subnets are not its.
    const vrf = r.vrf ?? r.vrfSegment;
    if (vrf === undefined) allocate(routerPairs[i]!, r.name, FIRST_ROUTER_HOST);
    else if (!routerPairs[i]!.ipv4 && !routerPairs[i]!.ipv6)
      fail(
        ctx,
        ScenarioErrorCode.BadValue,
        ctx.map.valueAt([...base, 'routers', i, r.vrf !== undefined ? 'vrf' : 'vrfSegment']),
        `router ${r.name} is on VRF ${vrf}'s segment: give its addresses (on that segment)`,
      );
    else if (r.vrf !== undefined && r.vrfSegment !== undefined && r.vrf !== r.vrfSegment)
      fail(
        ctx,
        ScenarioErrorCode.BadValue,
        ctx.map.valueAt([...base, 'routers', i, 'vrfSegment']),
        `a router in VRF ${r.vrf} sits on that VRF's segment`,
      );
  });
  raw.nodes.forEach((n, i) => allocate(nodePairs[i]!, n.name, FIRST_NODE_HOST));

  const routers: RouterSpec[] = routersRaw.map((r, i) => ({
    name: r.name,
    asn: r.asn,
    routerId: r.routerId ?? routerPairs[i]!.ipv4?.address ?? '0.0.0.0',
    addresses: routerPairs[i]!,
    port: r.port ?? 179, // RFC 4271 8: BGP listens on TCP port 179
    ...(r.vrf !== undefined ? { vrf: r.vrf } : {}),
    ...(r.vrfSegment !== undefined ? { vrfSegment: r.vrfSegment } : {}),
    ...(r.ttlSecurityHops !== undefined ? { ttlSecurityHops: r.ttlSecurityHops } : {}),
    ...(r.unnumbered ? { unnumbered: true } : {}),
    ...(r.bfd ? { bfd: r.bfd } : {}),
    ...(r.originate ? { originate: r.originate } : {}),
    options: r.options ?? {},
    at: ctx.map.valueAt([...base, 'routers', i]),
  }));
  const nodes: NodeSpec[] = raw.nodes.map((n, i) => ({
    name: n.name,
    labels: n.labels ?? {},
    addresses: nodePairs[i]!,
    ...(n.interface !== undefined ? { interface: n.interface } : {}),
    vrfs: nodeVrfs[i]!,
    at: ctx.map.valueAt([...base, 'nodes', i]),
  }));
  // FRR's `neighbor IFACE interface` finds one neighbour per interface (from its Router
  // Advertisements), and the lab's routers have one interface on the one lab segment.
  const withInterface = nodes.filter((n) => n.interface !== undefined);
  routersRaw.forEach((r, i) => {
    if (!r.unnumbered) return;
    const where = ctx.map.valueAt([...base, 'routers', i, 'unnumbered']);
    if (withInterface.length !== 1)
      fail(
        ctx,
        ScenarioErrorCode.BadValue,
        where,
        `an unnumbered router peers over a link with one node: give exactly one node an \`interface\` (${withInterface.length} have one)`,
      );
    else if (r.vrf !== undefined || r.vrfSegment !== undefined)
      fail(ctx, ScenarioErrorCode.BadValue, where, 'an unnumbered router sits on the lab segment');
  });
  const topology: Topology = {
    lab: raw.lab ?? scenarioName.toLowerCase().replace(/[^a-z0-9.-]+/g, '-'),
    subnets: {
      ipv4: subnet4 ? `${subnet4.address}/${subnet4.prefixLength}` : DEFAULT_SUBNET_V4,
      ipv6: subnet6 ? `${subnet6.address}/${subnet6.prefixLength}` : DEFAULT_SUBNET_V6,
    },
    routers,
    nodes,
  };
  ctx.errors.push(...checkAddressesForBackend(topology, backend));
  return topology;
}

/**
 * Addresses the backend may not use: with netns and compose every address must lie in
 * 198.18.0.0/15 or 2001:db8::/32. The CLI calls this again when it overrides the backend.
 */
export function checkAddressesForBackend(topology: Topology, backend: Backend): ScenarioError[] {
  if (backend === 'builtin') return [];
  const errors: ScenarioError[] = [];
  const owners = [
    ...topology.routers,
    ...topology.nodes.flatMap((n) => [
      n,
      ...Object.values(n.vrfs).map((addresses) => ({ ...n, addresses })),
    ]),
  ];
  for (const owner of owners) {
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const ia = owner.addresses[fam];
      if (!ia || inAllowedRange(ia, fam === 'ipv6')) continue;
      const range = fam === 'ipv6' ? '2001:db8::/32' : '198.18.0.0/15';
      errors.push(
        new ScenarioError(
          ScenarioErrorCode.AddressNotAllowed,
          owner.at.file,
          owner.at.line,
          owner.at.col,
          `address ${ia.address} of '${owner.name}' is outside ${range}, the only range the ${backend} backend may use`,
        ),
      );
    }
  }
  return errors;
}
