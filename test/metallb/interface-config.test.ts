import { describe, expect, it } from 'vitest';
import { buildConfig, type ConfigView } from '../../src/metallb/config.js';
import { node, peer, resources } from './fixtures.js';

const nodes = [node('worker0', { zone: 'a' }, '10.89.0.10')];
/** worker0 has an unnumbered link on eth1 only. */
const speaker: ConfigView = {
  component: 'speaker',
  node: 'worker0',
  interfaceUnavailable: (iface) =>
    iface === 'eth1' ? undefined : `node worker0 has no interface ${iface}`,
};
const unnumbered = (iface: string, more = {}) =>
  peer('p1', { peerAddress: undefined, interface: iface, ...more });

describe('unnumbered BGPPeers (interface) the node cannot run', () => {
  it('an interface the node has a link on is fine; another is refused with the reason', () => {
    expect(buildConfig(resources({ nodes, peers: [unnumbered('eth1')] }), speaker).ok).toBe(true);
    const eth2 = buildConfig(resources({ nodes, peers: [unnumbered('eth2')] }), speaker);
    expect(eth2.ok ? undefined : eth2.error.code).toBe('ERR_METALLB_PEER_INTERFACE_UNSUPPORTED');
  });

  it("a peer that does not select the node, and the controller's view, are not refused", () => {
    const elsewhere = unnumbered('eth2', { nodeSelectors: [{ matchLabels: { zone: 'b' } }] });
    expect(buildConfig(resources({ nodes, peers: [elsewhere] }), speaker).ok).toBe(true);
    const eth2 = resources({ nodes, peers: [unnumbered('eth2')] });
    expect(buildConfig(eth2, { component: 'controller' }).ok).toBe(true);
  });
});
