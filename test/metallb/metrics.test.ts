import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  bgpPeerLabel,
  createControllerMetrics,
  createSpeakerMetrics,
  forgetPoolMetrics,
  MessageTally,
  recordConfigUpdate,
  recordPoolMetrics,
  type FrrMetricsNames,
  type SpeakerMetricsSource,
} from '../../src/metallb/metrics.js';

interface Upstream {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labels: string[];
  source: string;
}
const UPSTREAM = (
  JSON.parse(readFileSync(join(import.meta.dirname, 'upstream-metrics.json'), 'utf8')) as {
    metrics: Upstream[];
  }
).metrics;

/** One established BGP session with BFD, nothing sent yet, one L2 and one BGP service. */
function source(): SpeakerMetricsSource {
  return {
    bgp: () => [
      {
        address: '198.18.0.1',
        port: 179,
        established: true,
        prefixesSent: 1,
        prefixesReceived: 0,
        messages: new MessageTally(),
      },
    ],
    bfd: () => [
      {
        address: '198.18.0.1',
        up: true,
        controlPacketsIn: 0,
        controlPacketsOut: 0,
        upEvents: 0,
        downEvents: 0,
      },
    ],
    announced: () => [
      { service: 'default/web', protocol: 'bgp', node: 'worker0', ip: '198.18.100.10' },
    ],
    bfdDiscards: () => ({ 'bad-version': 2 }),
  };
}

/** Name -> {type, help, label names of its samples} from a registry's JSON. */
async function exported(registry: Registry) {
  const out = new Map<string, { type: string; help: string; labels: Set<string> }>();
  for (const m of await registry.getMetricsAsJSON()) {
    const labels = new Set<string>();
    for (const v of m.values) for (const k of Object.keys(v.labels)) labels.add(k);
    out.set(m.name, { type: String(m.type), help: m.help, labels });
  }
  return out;
}

function speakerRegistry(names: FrrMetricsNames) {
  const registry = new Registry();
  const m = createSpeakerMetrics(registry, source(), names);
  // Series that appear once something happens: an L2 request, a config update.
  m.layer2RequestsReceived.inc({ ip: '198.18.100.10' });
  m.layer2ResponsesSent.inc({ ip: '198.18.100.10' });
  m.layer2GratuitousSent.inc({ ip: '198.18.100.10' });
  recordConfigUpdate(m.k8sClient, true, true);
  return registry;
}

function controllerRegistry() {
  const registry = new Registry();
  const m = createControllerMetrics(registry);
  recordPoolMetrics(
    m,
    'doc-example-l2',
    { assignedIPv4: 1n, assignedIPv6: 0n, availableIPv4: 20n, availableIPv6: 0n },
    1,
  );
  recordConfigUpdate(m.k8sClient, true, true);
  return registry;
}

describe("metrics: MetalLB's and frr-k8s's collectors, name for name", () => {
  it.each(['metallb', 'frrk8s'] as const)(
    'the %s speaker and the controller export exactly what upstream exports',
    async (names) => {
      const got = new Map([
        ...(await exported(speakerRegistry(names))),
        ...(await exported(controllerRegistry())),
      ]);
      // The FRR collectors of the other flavour are not expected.
      const other = names === 'metallb' ? 'frrk8s_' : 'metallb_b';
      const want = UPSTREAM.filter((u) => !u.name.startsWith(other));
      for (const u of want) {
        expect(got.get(u.name), u.name).toEqual({
          type: u.type,
          help: u.help,
          labels: new Set(u.labels),
        });
      }
      // Nothing else but speakersim's own, clearly named, series.
      const extra = [...got.keys()].filter((n) => !want.some((u) => u.name === n));
      expect(extra).toEqual(['speakersim_bfd_discarded_packets_total']);
    },
  );

  it('every per-peer series is there at 0 from the start, with vrf="default"', async () => {
    const text = await speakerRegistry('metallb').metrics();
    const perPeer = UPSTREAM.filter(
      (u) => u.name.startsWith('metallb_') && u.labels.join() === 'peer,vrf',
    );
    expect(perPeer).toHaveLength(20);
    for (const u of perPeer) {
      const peer = u.name.startsWith('metallb_bgp_') ? '198.18.0.1:179' : '198.18.0.1';
      expect(text).toMatch(new RegExp(`^${u.name}\\{peer="${peer}",vrf="default"\\} \\d+$`, 'm'));
    }
    expect(text).toContain('metallb_bgp_opens_sent{peer="198.18.0.1:179",vrf="default"} 0');
    expect(text).toContain('metallb_bgp_session_up{peer="198.18.0.1:179",vrf="default"} 1');
    expect(text).toContain(
      'metallb_speaker_announced{service="default/web",protocol="bgp",node="worker0",ip="198.18.100.10"} 1',
    );
    expect(text).toContain('speakersim_bfd_discarded_packets_total{reason="bad-version"} 2');
  });

  it("peer label: MetalLB's collector says ip:port, frr-k8s's the address", async () => {
    expect(bgpPeerLabel('metallb', '2001:db8::1', 179)).toBe('2001:db8::1:179');
    expect(bgpPeerLabel('frrk8s', '2001:db8::1', 179)).toBe('2001:db8::1');
    const text = await speakerRegistry('frrk8s').metrics();
    expect(text).toContain('frrk8s_bgp_session_up{peer="198.18.0.1",vrf="default"} 1');
    expect(text).toContain('frrk8s_bgp_received_prefixes_total{peer="198.18.0.1",vrf="default"} 0');
  });

  it('messages count by type and direction, as FRR msgStats does', () => {
    const t = new MessageTally();
    for (const [d, type] of [
      ['sent', 'OPEN'],
      ['received', 'OPEN'],
      ['sent', 'KEEPALIVE'],
      ['sent', 'UPDATE'],
      ['received', 'UPDATE'],
      ['sent', 'ROUTE-REFRESH'],
      ['received', 'NOTIFICATION'],
    ] as const)
      t.record(d, type);
    expect({ ...t }).toEqual({
      opensSent: 1,
      opensReceived: 1,
      notificationsSent: 0,
      updatesSent: 1,
      updatesReceived: 1,
      keepalivesSent: 1,
      keepalivesReceived: 0,
      routeRefreshSent: 1,
      totalSent: 4,
      totalReceived: 3,
    });
  });

  it('pool gauges follow the counters, and a deleted pool loses its series', async () => {
    const registry = new Registry();
    const m = createControllerMetrics(registry);
    recordPoolMetrics(
      m,
      'p',
      { assignedIPv4: 1n, assignedIPv6: 2n, availableIPv4: 20n, availableIPv6: 5n },
      2,
    );
    const text = await registry.metrics();
    expect(text).toContain('metallb_allocator_addresses_total{pool="p"} 28');
    expect(text).toContain('metallb_allocator_addresses_in_use_total{pool="p"} 3');
    expect(text).toContain('metallb_allocator_ipv6_addresses_total{pool="p"} 7');
    expect(text).toContain('metallb_allocator_services_allocated_total{pool="p"} 2');
    forgetPoolMetrics(m, 'p');
    expect(await registry.metrics()).not.toContain('pool="p"');
  });

  it('a config that fails after one loaded is stale; updates and errors count', async () => {
    const registry = new Registry();
    const { k8sClient } = createControllerMetrics(registry);
    recordConfigUpdate(k8sClient, true, true);
    recordConfigUpdate(k8sClient, false, true);
    const text = await registry.metrics();
    expect(text).toContain('metallb_k8s_client_updates_total 2');
    expect(text).toContain('metallb_k8s_client_update_errors_total 1');
    expect(text).toContain('metallb_k8s_client_config_loaded_bool 1');
    expect(text).toContain('metallb_k8s_client_config_stale_bool 1');
  });
});

// promtool (Debian package prometheus) parses the exposition; exit 1 is a format error, 3 a
// lint finding. MetalLB's own counters lack `_total` (upstream names), so the only findings
// allowed are about those names.
const PROMTOOL = '/usr/bin/promtool';
const requirePromtool = process.env['SPEAKERSIM_REQUIRE_INTEGRATION'] === '1';
if (!existsSync(PROMTOOL) && !requirePromtool)
  console.warn(`skipping promtool checks: ${PROMTOOL} not found (apt-get install prometheus)`);

describe.skipIf(!existsSync(PROMTOOL) && !requirePromtool)('promtool check metrics', () => {
  const check = (text: string) =>
    new Promise<{ code: number; out: string }>((resolve, reject) => {
      const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, out }));
      child.stdin.end(text);
    });

  it.each(['metallb', 'frrk8s'] as const)('the %s speaker and the controller parse', async (n) => {
    for (const registry of [speakerRegistry(n), controllerRegistry()]) {
      const { code, out } = await check(await registry.metrics());
      expect(code).not.toBe(1);
      const flagged = out
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => l.split(' ')[0]!);
      for (const name of flagged) expect(UPSTREAM.map((u) => u.name)).toContain(name);
    }
  });

  it('a broken exposition is refused (the check can fail)', async () => {
    expect((await check('metallb_bgp_session_up{peer="x" 1\n')).code).toBe(1);
  });
});
