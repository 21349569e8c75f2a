import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderFrrConf } from '../../src/lab/render.js';
import { validateTopology, type LabTopology } from '../../src/lab/topology.js';
import { loadScenario } from '../../src/scenario/load.js';
import { labTopologyFor } from '../../src/scenario/runner/peers.js';
import { richTopology } from './fixtures.js';

const scenarios = resolve(import.meta.dirname, '../../scenarios');

async function neighborsOf(file: string) {
  const lab = labTopologyFor(await loadScenario(join(scenarios, file)), 'x');
  return lab.routers[0]!.neighbors;
}

describe('lab neighbors from a scenario (labTopologyFor)', () => {
  it("the router gets the BGPPeer's password, read from its basic-auth Secret", async () => {
    const [n] = await neighborsOf('bgp-password.yaml');
    expect(n).toMatchObject({ address: '198.18.0.101', password: 'md5-Secret-1' });
  });

  it('dualStackAddressFamily activates both families on the IPv4 neighbor only', async () => {
    const ns = await neighborsOf('dual-stack-over-ipv4.yaml');
    expect(ns.map((n) => [n.address, n.families])).toEqual([
      ['198.18.0.101', ['ipv4', 'ipv6']],
      ['2001:db8::101', ['ipv6']],
    ]);
    const plain = await neighborsOf('ipv6-service.yaml');
    expect(plain.map((n) => n.families)).toEqual([['ipv4'], ['ipv6']]);
  });

  it("the router's ttlSecurityHops goes on every neighbor", async () => {
    const ns = await neighborsOf('bgp-ttl-security.yaml');
    expect(ns.length).toBeGreaterThan(0);
    expect(new Set(ns.map((n) => n.ttlSecurityHops))).toEqual(new Set([1]));
    expect((await neighborsOf('bgp-password.yaml'))[0]!.ttlSecurityHops).toBeUndefined();
  });
});

describe('FRR neighbor lines', () => {
  function withR1Neighbor(extra: object): LabTopology {
    const t = richTopology();
    Object.assign(t.routers[0]!.neighbors[0]!, extra);
    return t;
  }

  it('ttl-security hops N (RFC 5082 GTSM) and password', () => {
    const t = withR1Neighbor({ ttlSecurityHops: 1 });
    validateTopology(t);
    const conf = renderFrrConf('rich', t.routers[0]!);
    expect(conf).toContain(' neighbor 198.18.0.10 ttl-security hops 1\n');
    expect(conf).toContain(' neighbor 198.18.0.10 password s3cret!\n');
  });

  it('refuses ttl-security beside ebgp-multihop and outside 1-254', () => {
    for (const bad of [{ ttlSecurityHops: 1, ebgpMultihop: 2 }, { ttlSecurityHops: 255 }]) {
      expect(() => validateTopology(withR1Neighbor(bad))).toThrow(
        expect.objectContaining({ code: 'ERR_LAB_TOPOLOGY_INVALID' }),
      );
    }
  });

  it('a dual-stack IPv4 neighbor is activated under both address families', () => {
    const conf = renderFrrConf('rich', richTopology().routers[0]!);
    const v6 = conf.slice(conf.indexOf('address-family ipv6 unicast'));
    expect(v6).toContain('neighbor 198.18.0.10 activate');
  });
});
