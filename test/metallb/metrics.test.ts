import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetallbMetrics, recordPoolMetrics } from '../../src/metallb/metrics.js';

describe('MetalLB metrics', () => {
  it('registers MetalLB names with peer/vrf and pool labels', async () => {
    const registry = new Registry();
    const m = createMetallbMetrics(registry);
    m.bgpSessionUp.set({ peer: '192.168.1.1', vrf: 'default' }, 1);
    m.bgpUpdatesSent.inc({ peer: '192.168.1.1', vrf: 'default' });
    m.bfdSessionUp.set({ peer: '192.168.1.1', vrf: 'default' }, 0);
    recordPoolMetrics(
      m,
      'doc-example-l2',
      { assignedIPv4: 1n, assignedIPv6: 0n, availableIPv4: 20n, availableIPv6: 0n },
      1,
    );
    const text = await registry.metrics();
    for (const line of [
      'metallb_bgp_session_up{peer="192.168.1.1",vrf="default"} 1',
      'metallb_bgp_updates_total{peer="192.168.1.1",vrf="default"} 1',
      'metallb_bfd_session_up{peer="192.168.1.1",vrf="default"} 0',
      'metallb_allocator_addresses_total{pool="doc-example-l2"} 21',
      'metallb_allocator_addresses_in_use_total{pool="doc-example-l2"} 1',
      'metallb_allocator_ipv4_addresses_total{pool="doc-example-l2"} 21',
      'metallb_allocator_services_allocated_total{pool="doc-example-l2"} 1',
      '# TYPE metallb_bgp_announced_prefixes_total gauge',
      '# TYPE metallb_bfd_control_packet_input counter',
      '# TYPE metallb_bfd_session_down_events counter',
    ]) {
      expect(text).toContain(line);
    }
  });

  it('two registries do not collide', () => {
    expect(() => {
      createMetallbMetrics(new Registry());
      createMetallbMetrics(new Registry());
    }).not.toThrow();
  });
});
