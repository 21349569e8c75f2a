import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  composeArgv,
  composeProject,
  FRR_HELPER,
  gatewayFor,
  LAB_LABEL,
  selectComposeCli,
} from '../../src/lab/compose.js';
import { bridgeName } from '../../src/lab/names.js';
import { renderRouterFiles } from '../../src/lab/render.js';
import { canonicalAddress, defaultTopology, validateTopology } from '../../src/lab/topology.js';
import { richTopology } from './fixtures.js';

// compose.yaml (the hand-run file) is checked against the netns lab's default topology: same
// routers, ASNs, router ids and addresses, the same rendered FRR files, an FRR 8.4 image, and a
// network that stays inside never-routed ranges with no uplink. The generated projects of the
// compose backend are checked below; test/integration/compose-*.test.ts runs them in Docker.
const repo = resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(resolve(repo, 'compose.yaml'), 'utf8')) as {
  name?: string;
  networks: Record<
    string,
    { internal?: boolean; ipam?: { config?: { subnet: string; gateway?: string }[] } }
  >;
  services: Record<
    string,
    {
      image?: string;
      build?: { context: string; dockerfile: string };
      labels?: Record<string, string>;
      volumes?: string[];
      environment?: Record<string, string>;
      networks?: Record<string, { ipv4_address?: string; ipv6_address?: string }>;
    }
  >;
};
const topology = validateTopology(defaultTopology());
const FRR_IMAGE = /^\$\{SPEAKERSIM_FRR_IMAGE:-speakersim\/frr:8\.4\}$/;

describe('compose.yaml mirrors the default netns topology', () => {
  const frrServices = Object.entries(compose.services).filter(
    ([, s]) => s.labels?.['speakersim.lab/router'] !== undefined,
  );

  it('has no top-level name (docker-compose v1 refuses it)', () => {
    expect(compose.name).toBeUndefined();
  });

  it('has one FRR service per router, on the FRR 8.4 image (overridable)', () => {
    expect(frrServices.map(([name]) => name).sort()).toEqual(
      topology.routers.map((r) => r.name).sort(),
    );
    for (const [, s] of frrServices) expect(s.image).toMatch(FRR_IMAGE);
  });

  for (const router of topology.routers) {
    it(`router ${router.name}: ASN, router id, addresses and rendered config agree`, () => {
      const svc = compose.services[router.name]!;
      expect(svc.labels?.['speakersim.lab/asn']).toBe(String(router.asn));
      expect(svc.labels?.['speakersim.lab/router-id']).toBe(router.routerId);
      const itf = router.interfaces[0]!;
      const net = svc.networks?.[itf.segment];
      expect(net?.ipv4_address).toBe(itf.ipv4);
      expect(canonicalAddress(net?.ipv6_address ?? '::')).toBe(canonicalAddress(itf.ipv6 ?? '::'));
      const mount = (svc.volumes ?? []).find((v) => v.endsWith(':/etc/frr'));
      expect(mount).toBe(`./frr/default/${router.name}:/etc/frr`);
      const dir = resolve(repo, mount!.split(':')[0]!);
      const rendered = renderRouterFiles(topology, router);
      for (const name of ['frr.conf', 'daemons', 'vtysh.conf'] as const) {
        expect(readFileSync(resolve(dir, name), 'utf8')).toBe(rendered[name]);
      }
      expect(rendered['frr.conf']).toContain(`router bgp ${router.asn}\n`);
    });
  }

  it('speakersim holds every simulated node address, with the nodes ASNs', () => {
    const svc = compose.services.speakersim!;
    expect(existsSync(resolve(repo, svc.build!.context, svc.build!.dockerfile))).toBe(true);
    const net = Object.values(svc.networks ?? {})[0]!;
    const extra = (svc.environment?.SPEAKERSIM_EXTRA_ADDRESSES ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((cidr) => cidr.split('/')[0]!);
    const held = [net.ipv4_address!, net.ipv6_address!, ...extra].map(canonicalAddress).sort();
    const nodes = topology.nodes
      .flatMap((n) => [n.ipv4!, n.ipv6!])
      .map(canonicalAddress)
      .sort();
    expect(held).toEqual(nodes);
    const declared = JSON.parse(svc.environment?.SPEAKERSIM_LAB_NODES ?? '[]') as unknown;
    expect(declared).toEqual(
      topology.nodes.map((n) => ({ name: n.name, asn: n.asn, ipv4: n.ipv4, ipv6: n.ipv6 })),
    );
  });

  it('the network matches the segment, has no uplink, and its gateway collides with nothing', () => {
    const segment = topology.segments[0]!;
    const net = compose.networks[segment.name]!;
    expect(net.internal).toBe(true);
    const subnets = (net.ipam?.config ?? []).map((c) => c.subnet);
    expect(subnets.sort()).toEqual([segment.ipv4Prefix, segment.ipv6Prefix].sort());
    const used = new Set(
      [...topology.routers.flatMap((r) => r.interfaces), ...topology.nodes]
        .flatMap((x) => [x.ipv4, x.ipv6])
        .filter((a): a is string => a !== undefined)
        .map(canonicalAddress),
    );
    for (const c of net.ipam?.config ?? []) {
      expect(c.gateway).toBeDefined();
      expect(used.has(canonicalAddress(c.gateway!))).toBe(false);
    }
  });
});

describe('generated compose projects (the compose backend)', () => {
  type Project = {
    name?: string;
    services: Record<
      string,
      {
        image: string;
        container_name: string;
        init: boolean;
        volumes: string[];
        networks: Record<string, { ipv4_address?: string; ipv6_address?: string }>;
      }
    >;
    networks: Record<
      string,
      {
        name: string;
        internal: boolean;
        driver_opts: Record<string, string>;
        labels: Record<string, string>;
        ipam: { config: { subnet: string; gateway: string }[] };
      }
    >;
  };
  const t = validateTopology(defaultTopology({ labName: 'seed-servicebgpstatus-lab' }));
  const p = composeProject(t, { configDir: '/run/x', image: 'img:1' }) as Project;

  it('names containers, networks and bridges after the lab, and labels them for the sweep', () => {
    expect(p.name).toBeUndefined();
    expect(p.services.r1!.container_name).toBe('ssim-seed-servicebgpstatus-lab-r1');
    expect(p.services.r1!.image).toBe('img:1');
    expect(p.services.r1!.init).toBe(true);
    const lan = p.networks.lan!;
    expect(lan.name).toBe('ssim-seed-servicebgpstatus-lab-lan');
    expect(lan.driver_opts['com.docker.network.bridge.name']).toBe(bridgeName(t.name, 0));
    expect(lan.labels).toEqual({ [LAB_LABEL]: t.name });
    expect(lan.internal).toBe(true);
  });

  it('mounts the rendered FRR files and the daemon helper', () => {
    expect(p.services.r1!.volumes).toEqual([
      '/run/x/r1:/etc/frr:ro',
      `${FRR_HELPER}:/usr/local/sbin/speakersim-frr:ro`,
    ]);
    expect(existsSync(FRR_HELPER)).toBe(true);
    expect(p.services.r1!.networks.lan).toEqual({
      ipv4_address: '198.18.0.1',
      ipv6_address: '2001:db8::1',
    });
  });

  it("puts Docker's gateway on the highest free address, never on a router or node", () => {
    expect(p.networks.lan!.ipam.config).toEqual([
      { subnet: '198.18.0.0/24', gateway: '198.18.0.254' },
      { subnet: '2001:db8::/64', gateway: '2001:db8::ffff:ffff:ffff:fffe' },
    ]);
    const crowded = defaultTopology();
    crowded.nodes[0]!.ipv4 = '198.18.0.254';
    expect(gatewayFor(crowded, '198.18.0.0/24')).toBe('198.18.0.253');
  });

  it('refuses a segment with no address left for the gateway', () => {
    // richTopology's core segment is a /30 whose two host addresses both belong to routers.
    expect(() => composeProject(richTopology(), { configDir: '/x' })).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_TOPOLOGY_INVALID' }),
    );
  });
});

// Compose v2 (the `docker compose` plugin) is not installable here (Debian bookworm ships only
// docker-compose 1.29, npm has no v2 binary), so the integration tests run v1; the choice and
// the command lines of both are checked here.
describe('compose v2 or v1, whichever exists', () => {
  const probe =
    (present: string[]) =>
    (argv: string[]): boolean => {
      expect(argv[argv.length - 1]).toBe('version');
      return present.includes(argv.slice(0, -1).join(' '));
    };

  it('picks `docker compose` (v2) when Docker has it, even beside docker-compose', () => {
    expect(selectComposeCli(probe(['docker compose', 'docker-compose']))).toEqual({
      argv: ['docker', 'compose'],
      version: 2,
    });
    expect(selectComposeCli(probe(['docker compose']))).toEqual({
      argv: ['docker', 'compose'],
      version: 2,
    });
  });

  it('falls back to docker-compose (v1); with neither the backend is refused', () => {
    expect(selectComposeCli(probe(['docker-compose']))).toEqual({
      argv: ['docker-compose'],
      version: 1,
    });
    expect(() => selectComposeCli(probe([]))).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_PREREQUISITE_MISSING' }),
    );
  });

  it('gives both the same command shape: project and file first, as both parse them', () => {
    const up = ['up', '-d', '--no-build'];
    expect(
      composeArgv('b', '/run/speakersim/b/compose/compose.yaml', up, {
        argv: ['docker', 'compose'],
        version: 2,
      }),
    ).toEqual([
      'docker',
      'compose',
      '-p',
      'ssim-b',
      '-f',
      '/run/speakersim/b/compose/compose.yaml',
      ...up,
    ]);
    expect(composeArgv('b', '/f.yaml', up, { argv: ['docker-compose'], version: 1 })).toEqual([
      'docker-compose',
      '-p',
      'ssim-b',
      '-f',
      '/f.yaml',
      ...up,
    ]);
  });
});
