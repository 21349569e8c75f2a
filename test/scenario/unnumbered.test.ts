/**
 * Unnumbered BGP (a BGPPeer with `interface`, FRR's `neighbor IFACE interface`): the scenario
 * topology's `unnumbered` router and node `interface`, the lab topology they become (link-local
 * addresses from the MACs, RFC 4291 modified EUI-64), and what each backend says it can run.
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRunSettings, parseScenario } from '../../src/scenario/load.js';
import { labTopologyFor } from '../../src/scenario/runner/peers.js';
import type { Scenario } from '../../src/scenario/types.js';
import { validateTopology } from '../../src/lab/topology.js';
import { BuiltinBackend } from '../../src/lab/builtin/backend.js';
import { NetnsBackend } from '../../src/lab/netns-backend.js';
import { ComposeBackend } from '../../src/lab/compose-backend.js';
import { wiringPlan } from '../../src/lab/netns.js';
import { labSubnets } from '../../src/lab/peer-backend.js';
import { linkLocalOf, nodeMac, routerMac } from '../../src/lab/names.js';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';

const root = resolve(import.meta.dirname, '../..');
const file = join(root, 'scenarios', 'unnumbered-test.yaml');

const PEER = `resources:
  - apiVersion: metallb.io/v1beta2
    kind: BGPPeer
    metadata: {name: r1, namespace: metallb-system}
    spec: {myASN: 64502, peerASN: 64500, interface: eth1}
`;

function parse(topology: string) {
  return parseScenario(`name: x\ntopology:\n${topology}${PEER}steps: [{advance: 1s}]\n`, file);
}

function load(topology: string): Scenario {
  const r = parse(topology);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.scenario;
}

const ONE = `  routers: [{name: r1, asn: 64500, unnumbered: true}]
  nodes: [{name: worker0, interface: eth1}]
`;

describe('unnumbered routers in the scenario topology', () => {
  it.each([
    [
      'no node with an interface',
      `  routers: [{name: r1, asn: 64500, unnumbered: true}]\n  nodes: [{name: worker0}]\n`,
    ],
    [
      'two nodes with an interface (one link per neighbour)',
      `  routers: [{name: r1, asn: 64500, unnumbered: true}]\n  nodes: [{name: a, interface: eth1}, {name: b, interface: eth1}]\n`,
    ],
    [
      'an interface name longer than IFNAMSIZ allows',
      `  routers: [{name: r1, asn: 64500, unnumbered: true}]\n  nodes: [{name: a, interface: ${'e'.repeat(16)}}]\n`,
    ],
  ])('%s is refused', (_, topology) => {
    const r = parse(topology);
    expect(r.ok).toBe(false);
    if (!r.ok) for (const e of r.errors) expect(e.code).toMatch(/^ERR_SCENARIO_(BAD_VALUE|SCHEMA)/);
  });

  it('the router peers with the node on its eth0 by link-local address, with the BGPPeer ASN', () => {
    const t = validateTopology(labTopologyFor(load(ONE), 'x'));
    const nodeLl = linkLocalOf(nodeMac('x', 'worker0'));
    expect(t.nodes[0]!.interface).toEqual({ name: 'eth1', linkLocal: nodeLl });
    expect(t.routers[0]!.interfaces[0]).toMatchObject({
      name: 'eth0',
      linkLocal: linkLocalOf(routerMac('x', 'r1')),
    });
    expect(t.routers[0]!.neighbors).toEqual([
      { address: nodeLl, interface: 'eth0', remoteAsn: 64502, connectRetryS: 2 },
    ]);
    expect(nodeLl).toMatch(/^fe80::/);
  });

  it('builtin and netns give the node its link to the router; compose refuses with a reason', () => {
    const s = load(ONE);
    const lab = labTopologyFor(s, 'x');
    const link = {
      localAddress: linkLocalOf(nodeMac('x', 'worker0')),
      peerAddress: linkLocalOf(routerMac('x', 'r1')),
    };
    const builtin = new BuiltinBackend(lab, new ManualClock(), new SeededRandom(1));
    expect(builtin.nodeInterface('worker0', 'eth1')).toEqual(link);
    expect('unavailable' in builtin.nodeInterface('worker0', 'eth2')).toBe(true);
    const netns = new NetnsBackend(lab, new ManualClock(), new SeededRandom(1));
    expect(netns.nodeInterface('worker0', 'eth1')).toEqual(link);
    expect('unavailable' in netns.nodeInterface('worker0', 'eth2')).toBe(true);
    const compose = new ComposeBackend(lab, new ManualClock(), new SeededRandom(1));
    expect('unavailable' in compose.nodeInterface('worker0', 'eth1')).toBe(true);
    expect(checkRunSettings(s, { backend: 'builtin' }).errors).toEqual([]);
    expect(checkRunSettings(s, { backend: 'netns', clock: 'real' }).errors).toEqual([]);
    expect(
      checkRunSettings(s, { backend: 'compose', clock: 'real' }).errors.map((e) => e.code),
    ).toEqual(['ERR_SCENARIO_BACKEND_UNSUPPORTED']);
  });

  it("netns wiring: the node's port holds only its link-local (kernel ND, no RAs taken), the router end its own MAC", () => {
    const lab = labTopologyFor(load(ONE), 'x');
    const lines = wiringPlan(lab).map((st) => st.argv.join(' '));
    const port = 'ssim-x-n0';
    const nodeLl = linkLocalOf(nodeMac('x', 'worker0'));
    expect(lines).toContain(`ip -6 addr add ${nodeLl}/64 dev ${port} nodad`);
    expect(lines).toContain(`ip link set ${port} addrgenmode none`);
    expect(lines).toContain(`sysctl -q -w net.ipv6.conf.${port}.disable_ipv6=0`);
    expect(lines).toContain(`sysctl -q -w net.ipv6.conf.${port}.accept_ra=0`);
    expect(lines).toContain(`sysctl -q -w net.ipv4.conf.${port}.arp_ignore=1`);
    expect(lines).toContain(`sysctl -q -w net.ipv4.conf.${port}.forwarding=0`);
    expect(lines).not.toContain(`ip link set ${port} arp off`);
    // Nor does the bridge the node's addresses are on take FRR's RAs.
    expect(lines).toContain('sysctl -q -w net.ipv6.conf.ssim-x-b0.accept_ra=0');
    // addrgenmode before the port comes up, so the kernel makes no address of its own.
    expect(lines.indexOf(`ip link set ${port} addrgenmode none`)).toBeLessThan(
      lines.indexOf(`ip link set ${port} up`),
    );
    expect(lines).toContain(
      `ip link add ssim-x-r0s0 type veth peer name eth0 address ${routerMac('x', 'r1')} netns ssim-x-r1`,
    );
    // The guard lets node speakers reach the router's link-local address, and no other.
    expect(labSubnets(lab)).toContain(`${linkLocalOf(routerMac('x', 'r1'))}/128`);
    expect(labSubnets(lab).filter((p) => p.startsWith('fe80'))).toHaveLength(1);
  });
});
