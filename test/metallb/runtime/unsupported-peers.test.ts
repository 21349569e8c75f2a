import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/core/random.js';
import { ApiServer } from '../../../src/k8s/api-server.js';
import { waitFor } from './wait-for.js';
import { startRuntimeLab } from './lab.js';

// A BGPPeer speakersim cannot run here (unnumbered BGP without a link; a VRF the node has no
// interface in) is said where a user looks, and its session is not run at all: never silently
// in the default VRF.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('BGPPeers speakersim cannot run here', () => {
  it.each([
    // This runtime is given no node interfaces (the compose backend's case today), so an
    // unnumbered peer cannot run.
    [
      'interface (unnumbered) where the node has no unnumbered link',
      { myASN: 64501, peerASN: 64500, interface: 'eth1' },
    ],
    // r1 is in the default VRF at this very address: a session run there instead would come up.
    [
      'vrf the node has no interface in',
      { myASN: 64501, peerASN: 64500, peerAddress: '198.18.0.1', vrf: 'red' },
    ],
  ])(
    '%s: ConfigurationState Invalid, no session at all',
    async (_, spec) => {
      const { client, router } = await lab();
      await client.create({
        apiVersion: 'metallb.io/v1beta2',
        kind: 'BGPPeer',
        metadata: { name: 'cannot-run', namespace: ns },
        spec,
      });
      const state = await waitFor('ConfigurationState Invalid', async () => {
        const cs = (await client.get({
          apiVersion: 'metallb.io/v1beta1',
          kind: 'ConfigurationState',
          metadata: { name: 'speaker-worker0', namespace: ns },
        })) as { status?: { result?: string; conditions?: { reason?: string }[] } } | undefined;
        return cs?.status?.result === 'Invalid' ? cs.status : undefined;
      });
      expect(state.conditions?.map((c) => c.reason)).toContain('ConfigurationError');
      await new Promise((r) => setTimeout(r, 1500));
      expect(router.bgpNeighbors()['198.18.0.10']?.connectionsEstablished ?? 0).toBe(0);
    },
    60_000,
  );
});

const ns = 'metallb-system';

async function lab() {
  const random = new SeededRandom(7);
  const server = await ApiServer.start({ port: 0, random, namespaces: [ns] });
  cleanups.push(() => server.close());
  return startRuntimeLab({
    kubeconfigPath: server.kubeconfigPath,
    nodes: [{ name: 'worker0', ip: '198.18.0.10' }],
    random,
    cleanups,
  });
}
