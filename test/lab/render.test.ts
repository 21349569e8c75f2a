import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRouterFiles, renderTemplate } from '../../src/lab/render.js';
import { defaultTopology, validateTopology } from '../../src/lab/topology.js';
import { richTopology } from './fixtures.js';

// Golden files: the default topology's files under frr/default are also what compose.yaml mounts
// into the FRR container, so the netns lab and compose run the same configs.
// Regenerate with UPDATE_GOLDEN=1 npx vitest run test/lab/render.test.ts, then review the diff.
const repo = resolve(import.meta.dirname, '../..');
const update = process.env.UPDATE_GOLDEN === '1';

function golden(path: string, actual: string): void {
  const file = resolve(repo, path);
  if (update) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('FRR file rendering', () => {
  const def = validateTopology(defaultTopology());
  for (const router of def.routers) {
    for (const name of ['frr.conf', 'daemons', 'vtysh.conf'] as const) {
      it(`default topology ${router.name}/${name} matches frr/default`, () => {
        golden(`frr/default/${router.name}/${name}`, renderRouterFiles(def, router)[name]);
      });
    }
  }

  const rich = validateTopology(richTopology());
  for (const router of rich.routers) {
    it(`rich topology ${router.name}/frr.conf matches its golden file`, () => {
      golden(
        `test/fixtures/frr/golden/rich-${router.name}.frr.conf`,
        renderRouterFiles(rich, router)['frr.conf'],
      );
    });
  }

  it('renders the MetalLB-style router bgp preamble and per-family activation', () => {
    const conf = renderRouterFiles(def, def.routers[0]!)['frr.conf'];
    const lines = conf.split('\n');
    for (const l of [
      'router bgp 64500',
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ' neighbor 198.18.0.10 remote-as 64501',
      ' neighbor 2001:db8::11 bfd profile speakersim',
    ]) {
      expect(lines).toContain(l);
    }
    const v4 = conf.slice(conf.indexOf('address-family ipv4'), conf.indexOf('address-family ipv6'));
    expect(v4).toContain('neighbor 198.18.0.10 activate');
    expect(v4).not.toContain('neighbor 2001:db8::10 activate');
  });

  it('writes a bfdd multihop peer (RFC 5883) for a BFD neighbor with ebgp-multihop', () => {
    const t = defaultTopology();
    const r = t.routers[0]!;
    r.neighbors = r.neighbors.map((n) =>
      n.address === '198.18.0.10' ? { ...n, ebgpMultihop: 2 } : n,
    );
    const conf = renderRouterFiles(validateTopology(t), r)['frr.conf'];
    const bfd = conf.slice(
      conf.indexOf('\nbfd\n'),
      conf.indexOf('\nexit\n', conf.indexOf('\nbfd\n')),
    );
    expect(bfd).toContain(
      [' peer 198.18.0.10 multihop local-address 198.18.0.1', '  profile speakersim', ' exit'].join(
        '\n',
      ),
    );
    // Only the multihop neighbor: single-hop sessions stay bgpd's registrations.
    expect(bfd.match(/ peer /g)).toHaveLength(1);
    expect(conf).toContain(' neighbor 198.18.0.10 ebgp-multihop 2');
  });

  it('puts a router in a VRF: its BGP instance, statics and multihop BFD peers name the VRF', () => {
    const t = defaultTopology();
    const r = { ...t.routers[0]!, vrf: 'red', originate: { ipv4: ['198.18.50.0/24'] } };
    r.neighbors = r.neighbors.map((n) =>
      n.address === '198.18.0.10' ? { ...n, ebgpMultihop: 2 } : n,
    );
    const conf = renderRouterFiles(validateTopology({ ...t, routers: [r] }), r)['frr.conf'];
    const lines = conf.split('\n');
    expect(lines).toContain('router bgp 64500 vrf red');
    // Its default VRF keeps an empty instance (no neighbour), before the VRF's.
    const dflt = conf.slice(
      conf.indexOf('router bgp 64500\n'),
      conf.indexOf('router bgp 64500 vrf'),
    );
    expect(dflt.split('\n')).toEqual([
      'router bgp 64500',
      ' bgp router-id 198.18.0.1',
      ' no bgp default ipv4-unicast',
      'exit',
      '!',
      '',
    ]);
    // FRR's static routes of a VRF live in its `vrf NAME` block.
    expect(conf).toContain(
      ['vrf red', ' ip route 198.18.50.0/24 blackhole', 'exit-vrf'].join('\n'),
    );
    expect(lines).toContain(' peer 198.18.0.10 multihop local-address 198.18.0.1 vrf red');
    // The same router out of the VRF renders as before.
    const plain = renderRouterFiles(validateTopology(t), t.routers[0]!)['frr.conf'];
    expect(plain).not.toContain('vrf');
  });

  it('asks for RFC 8950 extended next hops on a neighbor that has them, and activates IPv4 there', () => {
    const t = defaultTopology();
    const r = t.routers[0]!;
    r.neighbors = r.neighbors.map((n) =>
      n.address === '2001:db8::10'
        ? { ...n, extendedNextHop: true, families: ['ipv4', 'ipv6'] as const }
        : n,
    ) as typeof r.neighbors;
    const conf = renderRouterFiles(validateTopology(t), r)['frr.conf'];
    expect(conf.match(/capability extended-nexthop/g)).toEqual(['capability extended-nexthop']);
    expect(conf).toContain(' neighbor 2001:db8::10 capability extended-nexthop');
    const v4 = conf.slice(conf.indexOf('address-family ipv4 unicast'));
    expect(v4.slice(0, v4.indexOf('exit-address-family'))).toContain(
      '  neighbor 2001:db8::10 activate',
    );
  });

  it("names an unnumbered neighbour by its interface, FRR's `neighbor eth0 interface`, both families active", () => {
    const t = defaultTopology();
    const r = t.routers[0]!;
    r.interfaces[0] = { ...r.interfaces[0]!, name: 'eth0', linkLocal: 'fe80::1' };
    r.neighbors = [{ address: 'fe80::10', interface: 'eth0', remoteAsn: 64501, connectRetryS: 2 }];
    const conf = renderRouterFiles(validateTopology(t), r)['frr.conf'];
    expect(conf).toContain(
      ' neighbor eth0 interface remote-as 64501\n neighbor eth0 timers connect 2',
    );
    expect(conf).not.toContain('fe80::10');
    for (const af of ['ipv4', 'ipv6']) {
      const block = conf.slice(conf.indexOf(`address-family ${af} unicast`));
      expect(block.slice(0, block.indexOf('exit-address-family'))).toContain(
        '  neighbor eth0 activate',
      );
    }
  });

  it('leaves no blank line for empty optional blocks', () => {
    const conf = renderRouterFiles(rich, rich.routers[1]!)['frr.conf'];
    expect(conf).not.toMatch(/\n\s*\n/);
    expect(conf).not.toContain('bfd\n');
  });
});

describe('renderTemplate', () => {
  it('substitutes and drops lines whose only placeholder is empty', () => {
    expect(renderTemplate('a {{x}}\n{{y}}\nb', { x: '1', y: '' })).toBe('a 1\nb');
  });

  it('rejects a placeholder without value and a value without placeholder', () => {
    expect(() => renderTemplate('{{x}}', {})).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_TEMPLATE_INVALID' }),
    );
    expect(() => renderTemplate('a', { x: '1' })).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_TEMPLATE_INVALID' }),
    );
  });
});
