import { describe, expect, it } from 'vitest';
import { buildConfig, type ConfigView } from '../../src/metallb/config.js';
import { node, peer, resources } from './fixtures.js';

const nodes = [node('worker0', { zone: 'a' }, '10.89.0.10')];
/** worker0 has an interface in VRF red only. */
const speaker: ConfigView = {
  component: 'speaker',
  node: 'worker0',
  vrfUnavailable: (vrf) =>
    vrf === 'red' ? undefined : `node worker0 has no interface in VRF ${vrf}`,
};

describe('BGPPeers in VRFs the node cannot run', () => {
  it('a VRF the node has an interface in is fine; another is refused with the reason', () => {
    const red = resources({ nodes, peers: [peer('p1', { vrf: 'red' })] });
    expect(buildConfig(red, speaker).ok).toBe(true);
    const blue = buildConfig(resources({ nodes, peers: [peer('p1', { vrf: 'blue' })] }), speaker);
    expect(blue.ok ? undefined : blue.error.code).toBe('ERR_METALLB_PEER_VRF_UNSUPPORTED');
    expect(blue.ok ? '' : blue.error.message).toContain('no interface in VRF blue');
  });

  it("a peer that does not select the node, the controller's and the webhook's views are not refused", () => {
    const elsewhere = peer('p1', { vrf: 'blue', nodeSelectors: [{ matchLabels: { zone: 'b' } }] });
    expect(buildConfig(resources({ nodes, peers: [elsewhere] }), speaker).ok).toBe(true);
    const blue = resources({ nodes, peers: [peer('p1', { vrf: 'blue' })] });
    expect(buildConfig(blue, { component: 'controller' }).ok).toBe(true);
    expect(buildConfig(blue, { component: 'speaker', node: 'worker0' }).ok).toBe(true);
  });
});
