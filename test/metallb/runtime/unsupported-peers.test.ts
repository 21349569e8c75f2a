import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/core/random.js';
import { ApiServer } from '../../../src/k8s/api-server.js';
import { waitFor } from './wait-for.js';
import { startRuntimeLab } from './lab.js';

// A BGPPeer speakersim cannot run yet (a VRF, unnumbered BGP) is said on the BGPPeer as a
// Warning Event, and its session is not run at all: never silently in the default VRF.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('BGPPeers speakersim does not run yet', () => {
  it('vrf and interface: a Warning Event per BGPPeer, no session', async () => {
    const random = new SeededRandom(7);
    const server = await ApiServer.start({ port: 0, random, namespaces: ['metallb-system'] });
    cleanups.push(() => server.close());
    const { client, router } = await startRuntimeLab({
      kubeconfigPath: server.kubeconfigPath,
      nodes: [{ name: 'worker0', ip: '198.18.0.10' }],
      random,
      cleanups,
    });
    const ns = 'metallb-system';
    await client.create({
      apiVersion: 'metallb.io/v1beta2',
      kind: 'BGPPeer',
      metadata: { name: 'in-red', namespace: ns },
      spec: { myASN: 64501, peerASN: 64500, peerAddress: '198.18.0.1', vrf: 'red' },
    });
    await client.create({
      apiVersion: 'metallb.io/v1beta2',
      kind: 'BGPPeer',
      metadata: { name: 'unnumbered', namespace: ns },
      spec: { myASN: 64501, peerASN: 64500, interface: 'eth1' },
    });
    const events = await waitFor('two PeerNotSupported events', async () => {
      const all = (await client.list('v1', 'Event', { namespace: ns })) as unknown as {
        reason?: string;
        type?: string;
        message?: string;
        involvedObject?: { kind?: string; name?: string };
      }[];
      const mine = all.filter((e) => e.reason === 'PeerNotSupported');
      return mine.length >= 2 ? mine : undefined;
    });
    expect(
      events.map((e) => [e.type, e.involvedObject?.kind, e.involvedObject?.name]).sort(),
    ).toEqual([
      ['Warning', 'BGPPeer', 'in-red'],
      ['Warning', 'BGPPeer', 'unnumbered'],
    ]);
    expect(events.find((e) => e.involvedObject?.name === 'in-red')?.message).toContain('VRF red');
    // No session at all: r1 never sees the node connect (it would in the default VRF).
    await new Promise((r) => setTimeout(r, 1500));
    expect(router.bgpNeighbors()['198.18.0.10']?.state).not.toBe('Established');
    expect(router.bgpNeighbors()['198.18.0.10']?.connectionsEstablished ?? 0).toBe(0);
  }, 60_000);
});
