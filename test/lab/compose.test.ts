import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderRouterFiles } from '../../src/lab/render.js';
import { canonicalAddress, defaultTopology, validateTopology } from '../../src/lab/topology.js';

// Docker cannot run here, so compose.yaml is checked against the netns lab's default topology:
// same routers, ASNs, router ids and addresses, the same rendered FRR files, a pinned FRR 8.4.x
// image, and a network that stays inside never-routed ranges with no uplink.
const repo = resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(resolve(repo, 'compose.yaml'), 'utf8')) as {
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
const FRR_IMAGE = /^quay\.io\/frrouting\/frr:8\.4\.\d+$/;

describe('compose.yaml mirrors the default netns topology', () => {
  const frrServices = Object.entries(compose.services).filter(([, s]) =>
    (s.image ?? '').startsWith('quay.io/frrouting/frr'),
  );

  it('has one FRR service per router, on a pinned 8.4.x image', () => {
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
