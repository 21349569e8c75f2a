import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRunSettings, parseScenario } from '../../src/scenario/load.js';
import { labTopologyFor } from '../../src/scenario/runner/peers.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import type { Scenario } from '../../src/scenario/types.js';
import { validateTopology } from '../../src/lab/topology.js';
import { refuseVrfs } from '../../src/lab/peer-backend.js';
import { wiringPlan } from '../../src/lab/netns.js';
import { daemonArgv, FRR_NETNS_DIR } from '../../src/lab/daemons.js';
import { ownedName, labPrefix, plannedNames } from '../../src/lab/names.js';
import { BuiltinBackend } from '../../src/lab/builtin/backend.js';
import { NetnsBackend } from '../../src/lab/netns-backend.js';
import { ManualClock } from '../../src/core/clock.js';
import { Speaker } from '../../src/bgp/speaker.js';
import { SeededRandom } from '../../src/core/random.js';

const root = resolve(import.meta.dirname, '../..');
const file = join(root, 'scenarios', 'vrf-test.yaml');

/** r1 in the default VRF, r2 in VRF red; worker0 on both. */
const TOPOLOGY = `topology:
  routers:
    - {name: r1, asn: 64500, addresses: {ipv4: 198.18.0.1/24}}
    - {name: r2, asn: 64510, vrf: red, addresses: {ipv4: 198.18.1.1/24}}
  nodes:
    - name: worker0
      addresses: {ipv4: 198.18.0.101/24}
      vrfs: {red: {ipv4: 198.18.1.101/24}}
`;

function load(text: string): Scenario {
  const r = parseScenario(text, file);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.scenario;
}

function errorCodes(text: string): string[] {
  const r = parseScenario(text, file);
  return r.ok ? [] : r.errors.map((e) => e.code);
}

describe('VRFs in the scenario topology', () => {
  // Each row's topology breaks one rule; the code says which kind of error it is.
  it.each([
    ['a router in a VRF without addresses', 'routers: [{name: r2, asn: 64510, vrf: red}]'],
    ['a node VRF interface without address', 'nodes: [{name: worker1, vrfs: {red: {}}}]'],
    // 'default' is the default VRF, not a VRF of its own (the schema's pattern).
    ['a VRF named default', 'nodes: [{name: worker1, vrfs: {default: {ipv4: 198.18.1.9/24}}}]'],
  ])('%s is refused', (_, line) => {
    const codes = errorCodes(
      `name: x\ntopology:\n  ${line}\n${line.startsWith('nodes') ? '' : '  nodes: [{name: worker0}]\n'}steps: [{advance: 1s}]\n`,
    );
    expect(codes.length).toBeGreaterThan(0);
    for (const c of codes) expect(c).toMatch(/^ERR_SCENARIO_(BAD_VALUE|SCHEMA)/);
  });

  it('the lab gets a segment per VRF; a VRF router peers with the nodes there only', () => {
    const s = load(`name: x\n${TOPOLOGY}steps: [{advance: 1s}]\n`);
    const t = validateTopology(labTopologyFor(s, 'x'));
    expect(t.segments).toEqual([
      { name: 'lan', ipv4Prefix: '198.18.0.0/24', ipv6Prefix: '2001:db8::/64' },
      { name: 'vred', ipv4Prefix: '198.18.1.0/24' },
    ]);
    expect(t.routers.map((r) => [r.name, r.vrf, r.interfaces[0]!.segment])).toEqual([
      ['r1', undefined, 'lan'],
      ['r2', 'red', 'vred'],
    ]);
    // r1 has an IPv6 address from the lab subnet too; r2 in VRF red has only what it names.
    expect(t.routers.map((r) => r.neighbors.map((n) => n.address))).toEqual([
      ['198.18.0.101', '2001:db8::65'],
      ['198.18.1.101'],
    ]);
    expect(t.nodes[0]!.vrfs).toEqual([{ vrf: 'red', segment: 'vred', ipv4: '198.18.1.101' }]);
  });

  it('node and router VRFs run on netns; compose refuses them with a code the shipped-scenario suites skip on', () => {
    const nodeOnly = load(
      `name: x\n${TOPOLOGY.replace('vrf: red, addresses', 'vrfSegment: red, addresses')}steps: [{advance: 1s}]\n`,
    );
    expect(checkRunSettings(nodeOnly, { backend: 'netns', clock: 'real' }).errors).toEqual([]);
    expect(() => refuseVrfs(labTopologyFor(nodeOnly, 'x'), 'netns')).not.toThrow();
    expect(
      checkRunSettings(nodeOnly, { backend: 'compose', clock: 'real' }).errors.map((e) => e.code),
    ).toEqual(['ERR_SCENARIO_BACKEND_UNSUPPORTED']);
    const s = load(`name: x\n${TOPOLOGY}steps: [{advance: 1s}]\n`);
    expect(checkRunSettings(s, { backend: 'builtin' }).errors).toEqual([]);
    // netns runs a router's VRF as a namespace FRR's netns VRF backend takes as that VRF.
    expect(checkRunSettings(s, { backend: 'netns', clock: 'real' }).errors).toEqual([]);
    expect(() => refuseVrfs(labTopologyFor(s, 'x'), 'netns')).not.toThrow();
    expect(
      checkRunSettings(s, { backend: 'compose', clock: 'real' }).errors.map((e) => e.code),
    ).toEqual(['ERR_SCENARIO_BACKEND_UNSUPPORTED']);
    // And a compose lab asked for directly is refused before anything is made.
    expect(() => refuseVrfs(labTopologyFor(s, 'x'), 'compose')).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_VRF_UNSUPPORTED' }),
    );
    // netns runs a node's VRF as a namespace of its own (netns.ts); a VRF the node has no
    // interface in gets the reason its ConfigurationState then shows.
    const netns = new NetnsBackend(labTopologyFor(s, 'x'), new ManualClock(), new SeededRandom(1));
    const red = netns.nodeVrf('worker0', 'red');
    expect('addresses' in red && red.addresses).toEqual({ ipv4: '198.18.1.101' });
    expect(netns.nodeVrf('worker0', 'blue')).toEqual({ unavailable: expect.any(String) });
  });
});

describe('a session in VRF red', () => {
  it('reaches only what is in VRF red: the default VRF router at the same address never sees it', async () => {
    // The BGPPeer in VRF red names r1's address; r1 is in the default VRF, so nothing answers
    // there (RFC 4364 2: each VRF is a forwarding table of its own). r2-red comes up.
    const s = load(`name: vrf-isolation
backend: builtin
clock: virtual
${TOPOLOGY}resources:
  - file: manifests/sim/namespaces.yaml
  - file: manifests/common/pool.yaml
  - file: manifests/common/web-service.yaml
  - apiVersion: metallb.io/v1beta2
    kind: BGPPeer
    metadata: {name: r1-via-red, namespace: metallb-system}
    spec: {myASN: 64501, peerASN: 64500, peerAddress: 198.18.0.1, vrf: red}
  - apiVersion: metallb.io/v1beta2
    kind: BGPPeer
    metadata: {name: r2-red, namespace: metallb-system}
    spec: {myASN: 64501, peerASN: 64510, peerAddress: 198.18.1.1, vrf: red}
steps:
  - wait:
      sessions: {node: worker0, peer: r2, sequence: [Established]}
      timeout: 3m
  - advance: 2m
  - name: r1 never had a session with worker0
    expect:
      resource:
        kind: BGPSessionState
        apiVersion: frrk8s.metallb.io/v1beta1
        namespace: openshift-frr-k8s
        selector: frrk8s.metallb.io/node=worker0,frrk8s.metallb.io/peer=198.18.0.1
        jsonpath: '{.items[0].status.vrf}/{.items[0].status.bgpStatus}'
        matches: '^red/(Active|Connect|Idle)$'
      timeout: 0s
  - expect:
      route: {router: r1, prefix: 198.18.100.10/32, absent: true}
      timeout: 0s
  - expect:
      route: {router: r2, vrf: red, prefix: 198.18.100.10/32, nextHop: 198.18.1.101}
  - vtysh: {router: r2, command: show bgp vrf red summary json}
  - expect:
      resource: {kind: ConfigurationState, name: speaker-worker0, jsonpath: '{.status.result}', equals: Valid}
`);
    const out = await runScenario(s, { backend: 'builtin' });
    const why = out.failures.map((f) => `${f.name}: expected ${f.expected} got ${f.actual}`);
    expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
    // Not one BGP message either way: no TCP connection to 198.18.0.1 ever opened in VRF red.
    const r1 = out.run.events.filter((e) => e.kind === 'message' && e.peer === '198.18.0.1');
    expect(r1).toEqual([]);
    expect(
      out.run.events.filter((e) => e.kind === 'message' && e.peer === '198.18.1.1').length,
    ).toBeGreaterThan(2);
  }, 60_000);
});

describe('one address, a peer of two VRFs', () => {
  it('is two sessions to the checks: BFD Down and recovery in VRF red, the default VRF one apart', async () => {
    // r2 sits on VRF red's segment only; worker0 also names its address as a default-VRF peer,
    // where nothing leads to it. BGPSessionState keys sessions by (node, VRF, peer): so must
    // the observations, the transitions on the timeline and the checks, or the default-VRF
    // session's Active shows up in the VRF red session's history.
    const s = load(`name: vrf-same-address
backend: builtin
clock: virtual
${TOPOLOGY.replace('vrf: red, addresses', 'vrfSegment: red, addresses').replace('asn: 64510,', 'asn: 64510, bfd: {},')}resources:
  - file: manifests/sim/namespaces.yaml
  - file: manifests/common/pool.yaml
  - file: manifests/common/web-service.yaml
  - file: manifests/vrf/peers.yaml
  - file: manifests/vrf/peer-r2-default.yaml
steps:
  - wait:
      sessions: {node: worker0, peer: r2, sequence: [{bgp: Established, bfd: Up}]}
      timeout: 3m
  - advance: 10s
  - name: r2 names VRF red's session (r2's segment); the default VRF one never came up
    expect:
      session: {node: worker0, peer: r2, bgp: Established, bfd: Up}
      timeout: 0s
  - expect:
      session: {node: worker0, peer: 198.18.1.1, vrf: default, bgp: Active, bfd: N/A}
      timeout: 0s
  - drop: {protocol: bfd, router: r2, direction: to-node}
  - expect:
      sessions: {node: worker0, peer: r2, since: step, sequence: [{bgp: Established, bfd: Down}, Idle]}
      timeout: 5s
  - expect:
      notification: {node: worker0, peer: r2, direction: sent, name: cease/bfd-down}
      timeout: 0s
  - restore: {protocol: bfd, router: r2, direction: to-node}
  - expect:
      sessions: {node: worker0, peer: r2, since: step, sequence: [{bgp: Established, bfd: Up}]}
      timeout: 1m
  - name: wrong on purpose, the default VRF session was never Established
    expect:
      sessions: {node: worker0, peer: r2, vrf: default, sequence: [Established]}
      timeout: 0s
`);
    const out = await runScenario(s, { backend: 'builtin' });
    expect(out.error).toBeUndefined();
    expect(out.failures.map((f) => f.name)).toEqual([
      'wrong on purpose, the default VRF session was never Established',
    ]);
    const cease = out.run.events.flatMap((e) =>
      e.kind === 'message' && e.notification?.name === 'cease/bfd-down' ? [e.vrf] : [],
    );
    expect(cease).toEqual(['red']);
    const transitions = out.run.events.flatMap((e) =>
      e.kind === 'bgp-transition' && e.peer === '198.18.1.1' ? [e.vrf ?? 'default'] : [],
    );
    expect(new Set(transitions)).toEqual(new Set(['red', 'default']));
  }, 60_000);
});

describe('a builtin router in VRF red', () => {
  it('answers vtysh for its VRF instance; the default instance has nothing', async () => {
    const s = load(`name: x\n${TOPOLOGY}steps: [{advance: 1s}]\n`);
    const clock = new ManualClock();
    const backend = new BuiltinBackend(labTopologyFor(s, 'x'), clock, new SeededRandom(1));
    await backend.up();
    try {
      const red = JSON.parse(await backend.vtysh('r2', ['show bgp vrf red summary json']));
      expect([red.ipv4Unicast.vrfName, Object.keys(red.ipv4Unicast.peers)]).toEqual([
        'red',
        ['198.18.1.101'],
      ]);
      expect(await backend.vtysh('r2', ['show bgp summary'])).toBe(
        '% No BGP neighbors found in VRF default',
      );
      const table = JSON.parse(await backend.vtysh('r2', ['show bgp vrf red ipv4 unicast json']));
      expect(table.vrfName).toBe('red');
      // r1 is in the default VRF: VRF red is empty there.
      expect(await backend.vtysh('r1', ['show bgp vrf red summary'])).toBe(
        '% No BGP neighbors found in VRF red',
      );
      // The node's interface in VRF red: its address, and one in no VRF it has.
      const net = backend.nodeVrf('worker0', 'red');
      if ('unavailable' in net) throw new Error(net.unavailable);
      expect(net.addresses).toEqual({ ipv4: '198.18.1.101' });
      expect('unavailable' in backend.nodeVrf('worker0', 'blue')).toBe(true);
      // worker0 peers with r2 over the VRF red transport and announces a route: r2 shows it in
      // VRF red's table and summary, and nowhere in its default instance.
      const speaker = new Speaker({
        clock,
        random: new SeededRandom(2),
        transport: net.bgpTransport,
      });
      const peer = speaker.addPeer({
        id: 'worker0/r2',
        localAddress: '198.18.1.101',
        localAsn: 64501,
        routerId: '198.18.1.101',
        peerAddress: '198.18.1.1',
        peerAsn: 64510,
        holdTimeSeconds: 90,
        keepaliveTimeSeconds: 30,
        connectRetryTimeSeconds: 1,
        families: ['ipv4'],
      });
      peer.announce('198.18.100.10/32', { nextHop: '198.18.1.101' });
      peer.session.start();
      for (let i = 0; i < 50 && peer.session.state !== 'Established'; i++) {
        clock.advance(100);
        await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setImmediate(r));
      const summary = JSON.parse(await backend.vtysh('r2', ['show bgp vrf red summary json']));
      expect(summary.ipv4Unicast.peers['198.18.1.101'].pfxRcd).toBe(1);
      const routes = JSON.parse(await backend.vtysh('r2', ['show bgp vrf red ipv4 unicast json']));
      expect(Object.keys(routes.routes)).toEqual(['198.18.100.10/32']);
      const prefix = JSON.parse(
        await backend.vtysh('r2', ['show bgp vrf red ipv4 unicast 198.18.100.10/32 json']),
      );
      expect(prefix.paths.length).toBe(1);
      expect(await backend.vtysh('r2', ['show bgp ipv4 unicast'])).toMatch(/0 exist|No BGP/);
      await speaker.close();
    } finally {
      await backend.down();
    }
  });
});

describe('a node VRF in the netns lab', () => {
  it("is a namespace of the lab's own with the VRF address; the host gets none on that segment", () => {
    const s = load(
      `name: x\n${TOPOLOGY.replace('vrf: red, addresses', 'vrfSegment: red, addresses')}steps: [{advance: 1s}]\n`,
    );
    const t = validateTopology(labTopologyFor(s, 'lab'));
    const names = plannedNames(t);
    expect(names.namespaces).toContain('ssim-lab-n0.v0');
    // `lab down --force` sweeps it with the rest of the lab's namespaces.
    expect(ownedName('ssim-lab-n0.v0', labPrefix('lab'))).toBe(true);
    expect(names.links).toContain('ssim-lab-n0v0');
    const argv = wiringPlan(t).map((st) => st.argv.join(' '));
    expect(argv).toContain('ip netns add ssim-lab-n0.v0');
    expect(argv).toContain('ip -n ssim-lab-n0.v0 addr add 198.18.1.101/24 dev eth0');
    expect(argv).toContain('ip link set ssim-lab-n0v0 master ssim-lab-b1');
    expect(
      argv.filter((a) => a.includes('198.18.1.101') && !a.includes('-n ssim-lab-n0.v0')),
    ).toEqual([]);
  });
});

describe("a router's VRF in the netns lab", () => {
  const t = validateTopology(
    labTopologyFor(load(`name: x\n${TOPOLOGY}steps: [{advance: 1s}]\n`), 'lab'),
  );

  it('has its interfaces in a namespace of its own; its own namespace keeps only lo', () => {
    const names = plannedNames(t);
    expect(names.namespaces).toEqual(
      expect.arrayContaining(['ssim-lab-r1', 'ssim-lab-r2', 'ssim-lab-r2.vrf']),
    );
    expect(names.namespaces).not.toContain('ssim-lab-r1.vrf');
    expect(ownedName('ssim-lab-r2.vrf', labPrefix('lab'))).toBe(true);
    const argv = wiringPlan(t).map((st) => st.argv.join(' '));
    expect(argv).toContain('ip netns add ssim-lab-r2');
    expect(argv).toContain('ip netns add ssim-lab-r2.vrf');
    expect(argv).toContain(
      'ip link add ssim-lab-r1s1 type veth peer name eth1 netns ssim-lab-r2.vrf',
    );
    expect(argv).toContain('ip -n ssim-lab-r2.vrf addr add 198.18.1.1/24 dev eth1');
    expect(argv.filter((a) => a.includes('198.18.1.1/') && !a.includes('ssim-lab-r2.vrf'))).toEqual(
      [],
    );
    // r1 (default VRF) is wired as before: its interface in its own namespace.
    expect(argv).toContain('ip -n ssim-lab-r1 addr add 198.18.0.1/24 dev eth0');
  });

  it("runs its daemons with FRR's netns VRF backend, each seeing only that VRF", () => {
    const rt = {
      router: 'r2',
      namespace: 'ssim-lab-r2',
      runDir: '/run/speakersim/lab/r2',
      frrBinDir: '/usr/lib/frr',
      vrf: { name: 'red', namespace: 'ssim-lab-r2.vrf' },
    };
    const zebra = daemonArgv(rt, 'zebra');
    expect(zebra.slice(0, 8)).toEqual([
      ...['ip', 'netns', 'exec', 'ssim-lab-r2'],
      ...['unshare', '--mount', '--propagation', 'private'],
    ]);
    // The script's arguments: its tmpfs, the VRF's name there, the namespace it binds, where.
    const args = zebra.slice(zebra.indexOf('speakersim-vrf') + 1);
    expect(args.slice(0, 5)).toEqual([
      '/run/speakersim/lab/r2/netns',
      'red',
      '/run/netns/ssim-lab-r2.vrf',
      FRR_NETNS_DIR,
      '/usr/lib/frr/zebra',
    ]);
    expect(zebra).toContain('--vrfwnetns');
    expect(daemonArgv(rt, 'bgpd')).not.toContain('--vrfwnetns');
    // Out of a VRF: no mount namespace, no netns VRF backend.
    const { vrf: _, ...plain } = rt;
    expect(daemonArgv(plain, 'zebra')).not.toContain('unshare');
    expect(daemonArgv(plain, 'zebra')).not.toContain('--vrfwnetns');
  });
});
