import { describe, expect, it } from 'vitest';
import { conflictingRoutes, hostRouteBlocks } from '../../src/lab/host-routes.js';
import { parseLinkJson, parseNetnsList, parseNftTables } from '../../src/lab/kernel.js';
import { nodeMac, plannedNames } from '../../src/lab/names.js';
import { wiringPlan } from '../../src/lab/netns.js';
import { defaultTopology } from '../../src/lab/topology.js';
import { richTopology } from './fixtures.js';

describe('wiringPlan', () => {
  const t = defaultTopology({ labName: 'w' });
  const steps = wiringPlan(t);
  const lines = steps.map((s) => s.argv.join(' '));

  it('creates exactly the planned namespaces and links', () => {
    const created = steps.flatMap((s) => (s.creates ? [s.creates.name] : []));
    const planned = plannedNames(t);
    expect(created.sort()).toEqual([...planned.namespaces, ...planned.links].sort());
  });

  it('puts the node addresses on the lab bridge and the router address in its namespace', () => {
    expect(lines).toContain('ip addr add 198.18.0.10/24 dev ssim-w-b0');
    expect(lines).toContain('ip -6 addr add 2001:db8::11/64 dev ssim-w-b0 nodad');
    expect(lines).toContain('ip -n ssim-w-r1 addr add 198.18.0.1/24 dev eth0');
    expect(lines).toContain('ip link add ssim-w-r0s0 type veth peer name eth0 netns ssim-w-r1');
    expect(lines).toContain('ip link set ssim-w-r0s0 master ssim-w-b0');
  });

  it('gives each node its own port on the bridge: its MAC, no ARP, no IPv6, no forwarding', () => {
    const mac = nodeMac('w', 'node1');
    expect(lines).toContain(`ip link add ssim-w-n0 address ${mac} type veth peer name ssim-w-p0`);
    expect(lines).toContain('ip link set ssim-w-n0 arp off');
    expect(lines).toContain('sysctl -q -w net.ipv6.conf.ssim-w-n0.disable_ipv6=1');
    expect(lines).toContain('sysctl -q -w net.ipv4.conf.ssim-w-n0.forwarding=0');
    expect(lines).toContain('ip link set ssim-w-p0 master ssim-w-b0');
    expect(lines).toContain('ip link set ssim-w-b0 type bridge mcast_snooping 0');
    expect(lines.filter((l) => / address 02:/.test(l))).toHaveLength(2);
  });

  it('brings loopback up in each namespace and disables DAD before interfaces exist', () => {
    const lo = lines.indexOf('ip -n ssim-w-r1 link set lo up');
    const dad = lines.indexOf(
      'ip netns exec ssim-w-r1 sysctl -q -w net.ipv6.conf.default.accept_dad=0',
    );
    const veth = lines.findIndex((l) => l.startsWith('ip link add ssim-w-r0s0'));
    expect(lo).toBeGreaterThan(-1);
    expect(dad).toBeGreaterThan(-1);
    expect(dad).toBeLessThan(veth);
    for (const l of lines.filter((x) => / -6 addr add /.test(x))) expect(l).toMatch(/ nodad$/);
  });

  it('adds no route, no default route and touches no interface outside the lab', () => {
    for (const s of steps) {
      expect(s.argv).not.toContain('route');
      expect(s.argv).not.toContain('default');
      // Host-side commands (no `-n`, no `netns exec`) name only the lab's own devices.
      const dev = s.argv.indexOf('dev');
      if (dev >= 0 && !s.argv.includes('-n')) expect(s.argv[dev + 1]).toMatch(/^ssim-w-/);
      const link = s.argv.indexOf('set');
      if (s.argv[1] === 'link' && link >= 0) expect(s.argv[link + 1]).toMatch(/^ssim-w-/);
    }
  });

  it('never runs a shell', () => {
    for (const s of wiringPlan(richTopology())) {
      expect(['ip', 'sysctl']).toContain(s.argv[0]);
      expect(s.argv).not.toContain('sh');
    }
  });
});

describe('host route conflicts', () => {
  const t = defaultTopology({ labName: 'w' });

  const routes = [
    { dst: 'default', dev: 'eth0' },
    { dst: '198.18.0.0/16', dev: 'eth1' },
    { dst: '198.18.0.0/24', dev: 'ssim-w-b0' },
    { dst: '2001:db8::/32', dev: 'eth1' },
    { dst: 'fe80::/64', dev: 'eth0' },
    { dst: '192.0.2.0/24', dev: 'eth0' },
    { dst: '198.18.0.7', dev: 'tun0' },
  ];

  it('flags host routes overlapping a lab segment, ignores default and the lab itself', () => {
    expect(conflictingRoutes(t, routes).map((r) => r.dst)).toEqual([
      '198.18.0.0/16',
      '2001:db8::/32',
      '198.18.0.7',
    ]);
  });

  it('gives a relocating lab the blocks others hold: not its own links, default, link-local', () => {
    expect(hostRouteBlocks('w', routes)).toEqual([
      '198.18.0.0/16',
      '2001:db8::/32',
      '192.0.2.0/24',
      '198.18.0.7',
    ]);
  });

  it('does not confuse lab a with lab a-b, whose links are hashed', () => {
    const ab = defaultTopology({ labName: 'a-b' });
    expect(conflictingRoutes(ab, [{ dst: '198.18.0.0/24', dev: 'ssim-a-b0' }])).toHaveLength(1);
    const a = defaultTopology({ labName: 'a' });
    expect(conflictingRoutes(a, [{ dst: '198.18.0.0/24', dev: 'ssim-a-b-b0' }])).toHaveLength(1);
  });

  it('ignores a family nothing on the segment uses (an IPv4-only lab beside an IPv6 one)', () => {
    const v4only = defaultTopology({ labName: 'w' });
    for (const n of v4only.nodes) delete n.ipv6;
    for (const i of v4only.routers[0]!.interfaces) delete i.ipv6;
    const other = [{ dst: '2001:db8::/64', dev: 'ssimcc8321-b0' }];
    expect(conflictingRoutes(v4only, other)).toEqual([]);
    expect(conflictingRoutes(t, other)).toHaveLength(1);
  });

  it('does not confuse lab a with lab ab', () => {
    const ab = defaultTopology({ labName: 'ab' });
    const other = [{ dst: '198.18.0.0/24', dev: 'ssim-a-b0' }];
    expect(conflictingRoutes(ab, other)).toHaveLength(1);
  });
});

describe('kernel listing parsers', () => {
  it('reads `ip netns list` with and without ids', () => {
    expect(parseNetnsList('ssim-a-r1 (id: 3)\nssim-a-r2\n\n')).toEqual(['ssim-a-r1', 'ssim-a-r2']);
  });

  it('reads `ip -j link show` and survives junk', () => {
    expect(parseLinkJson('[{"ifindex":1,"ifname":"lo"},{"ifname":"ssim-a-b0"}]')).toEqual([
      'lo',
      'ssim-a-b0',
    ]);
    expect(parseLinkJson('garbage')).toEqual([]);
    expect(parseLinkJson('{}')).toEqual([]);
  });

  it('reads `nft list tables`', () => {
    expect(parseNftTables('table inet ssim_a\ntable ip filter\n')).toEqual([
      { family: 'inet', name: 'ssim_a' },
      { family: 'ip', name: 'filter' },
    ]);
  });
});
