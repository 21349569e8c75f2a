import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import { integration, serialLabFile } from './require.js';

// `consistently` against real FRR 8.4 (bgpd + bfdd in a network namespace), on real time: a
// quiet window passes; BFD packets lost during the window fail it within the detection time.
// Its own subnet (198.19.77.0/24), so it never overlaps another lab on this machine.
const file = join(resolve(import.meta.dirname, '../..'), 'scenarios', 'consistently-netns.yaml');
const text = `name: consistently-netns
backend: netns
topology:
  lab: hcicons
  subnets: {ipv4: 198.19.77.0/24}
  routers:
    - name: r1
      asn: 64500
      addresses: {ipv4: 198.19.77.1/24}
      bfd: {receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3}
  nodes:
    - name: worker0
      addresses: {ipv4: 198.19.77.101/24}
resources:
  - file: manifests/sim/namespaces.yaml
  - file: manifests/common/pool.yaml
  - {apiVersion: metallb.io/v1beta1, kind: BFDProfile, metadata: {name: fast, namespace: metallb-system},
     spec: {receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3}}
  - {apiVersion: metallb.io/v1beta2, kind: BGPPeer, metadata: {name: r1, namespace: metallb-system},
     spec: {myASN: 64501, peerASN: 64500, peerAddress: 198.19.77.1, bfdProfile: fast}}
  - file: manifests/common/web-service.yaml
steps:
  - wait:
      session: {node: worker0, peer: r1, bgp: Established, bfd: Up}
      timeout: 60s
  - wait:
      route: {router: r1, prefix: 198.18.100.10/32, nextHop: 198.19.77.101}
      timeout: 30s
  - name: quiet window
    consistently:
      for: 5s
      session: {bgp: Established, bfd: Up}
  - name: route stays
    consistently:
      for: 2s
      route: {router: r1, prefix: 198.18.100.10/32, nextHop: 198.19.77.101}
  - drop: {protocol: bfd, router: r1, direction: to-node}
  - name: BFD goes Down inside the window
    consistently:
      for: 10s
      session: {node: worker0, peer: r1, bfd: Up}
`;

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('consistently against real FRR (netns)', () => {
  serialLabFile();
  it('passes a quiet window and fails when BFD goes Down during one', async () => {
    const parsed = parseScenario(text, file);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const out = await runScenario(parsed.scenario, { backend: 'netns' });
    expect(out.error).toBeUndefined();
    expect(out.failures.map((f) => [f.step, f.result])).toEqual([[5, 'fail']]);
    const f = out.failures[0]!;
    expect(f.actual).toMatch(/BFD (Down|Up -> Down)/);
    // 3 x 300 ms detection; generous for a loaded 2-core machine, far below the 10 s window.
    expect(Number(/after (\d+) ms/.exec(f.message!)![1])).toBeLessThan(8000);
  }, 180_000);
});
