import { describe, expect, it } from 'vitest';
import { parseFaultRequest, project, viewTopology } from '../../src/ui/model.js';
import { parseUiPort } from '../../src/ui/port.js';
import { loadScenario } from '../../src/scenario/load.js';
import path from 'node:path';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'live-view.yaml');

describe('live view model', () => {
  it('draws the scenario: routers with the peer names BGPSessionState uses, nodes', async () => {
    const t = viewTopology(await loadScenario(FIXTURE, { allowOutsideFiles: true }), 'builtin');
    expect(t.routers.map((r) => [r.name, r.asn, r.bfd, r.peerNames])).toEqual([
      ['r1', 64500, true, ['198.18.0.1', '2001-0db8-0000-0000-0000-0000-0000-0001']],
      ['r2', 64500, false, ['198.18.0.2', '2001-0db8-0000-0000-0000-0000-0000-0002']],
    ]);
    expect(t.nodes.map((n) => n.name)).toEqual(['worker0', 'worker1']);
  });

  it('projects watched objects to strings only, whatever the API server holds', () => {
    expect(
      project('BGPSessionState', {
        apiVersion: 'frrk8s.metallb.io/v1beta1',
        kind: 'BGPSessionState',
        metadata: { name: 'w-abcde', namespace: 'ns', resourceVersion: '7' },
        status: { node: 'w', peer: '198.18.0.1', bgpStatus: 'Active', bfdStatus: { x: 1 } },
      } as never),
    ).toEqual({
      namespace: 'ns',
      name: 'w-abcde',
      node: 'w',
      peer: '198.18.0.1',
      vrf: '',
      bgp: 'Active',
      bfd: '',
      resourceVersion: '7',
    });
    expect(
      project('Service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { type: 'LoadBalancer' },
        status: { loadBalancer: { ingress: [{ ip: '198.18.100.10' }, null, { hostname: 'h' }] } },
      } as never),
    ).toEqual({ namespace: 'default', name: 'web', type: 'LoadBalancer', ips: ['198.18.100.10'] });
    expect(
      project('ServiceBGPStatus', {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'ServiceBGPStatus',
        metadata: { name: 'bgp-x', namespace: 'metallb-system' },
      } as never),
    ).toEqual({
      namespace: 'metallb-system',
      name: 'bgp-x',
      node: '',
      serviceName: '',
      serviceNamespace: '',
      peers: [],
    });
  });

  it('accepts only faults, routers and nodes of the lab', async () => {
    const t = viewTopology(await loadScenario(FIXTURE, { allowOutsideFiles: true }), 'builtin');
    expect(parseFaultRequest({ fault: 'drop-bfd', router: 'r1', node: 'worker1' }, t)).toEqual({
      ok: true,
      request: { fault: 'drop-bfd', router: 'r1', node: 'worker1' },
    });
    expect(parseFaultRequest({ fault: 'restart', router: 'r2', node: '' }, t)).toEqual({
      ok: true,
      request: { fault: 'restart', router: 'r2' },
    });
    for (const bad of [
      null,
      [],
      'drop-bfd',
      { fault: 'vtysh', router: 'r1' },
      { fault: 'drop-bfd', router: 'r3' },
      { fault: 'drop-bfd', router: 'r1', node: 'worker9' },
      { fault: 'drop-bfd', router: 'r1', node: 7 },
      { fault: 'toString', router: 'r1' },
    ])
      expect(parseFaultRequest(bad, t).ok).toBe(false);
  });

  it('--ui takes nothing (a free port) or a port; anything else is ERR_UI_PORT', () => {
    expect(parseUiPort(undefined)).toBeUndefined();
    expect(parseUiPort('')).toBe(0);
    expect(parseUiPort('8080')).toBe(8080);
    for (const bad of ['http', '-1', '70000', '1.5'])
      expect(() => parseUiPort(bad)).toThrow(expect.objectContaining({ code: 'ERR_UI_PORT' }));
  });
});
