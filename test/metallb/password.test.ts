import { describe, expect, it } from 'vitest';
import {
  bgpPeerPassword,
  buildConfig,
  peerSocketOptions,
  type ConfigView,
} from '../../src/metallb/config.js';
import { LastValidConfig } from '../../src/metallb/validate.js';
import type { ClusterResources, Secret } from '../../src/metallb/types.js';
import { node, peer, resources } from './fixtures.js';

const nodes = [node('worker0', { zone: 'a' }, '10.89.0.10')];
const secret = (password: string | undefined, type = 'kubernetes.io/basic-auth'): Secret => ({
  metadata: { name: 's1', namespace: 'metallb-system' },
  type,
  ...(password === undefined
    ? {}
    : { data: { password: Buffer.from(password).toString('base64') } }),
});
const noFfi: ConfigView = {
  component: 'speaker',
  node: 'worker0',
  socketOptionsUnavailable: 'no TCP_MD5SIG on darwin',
};
const speaker: ConfigView = { component: 'speaker', node: 'worker0' };

function parsed(r: ClusterResources, view: ConfigView = speaker) {
  const res = buildConfig(r, view);
  if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
  return res.config.peers.get('p1')!;
}

describe('TCP MD5 passwords (RFC 2385) in the MetalLB configuration', () => {
  it('passwordSecret is read from a basic-auth Secret, base64 data as MetalLB reads it', () => {
    const r = resources({
      nodes,
      peers: [peer('p1', { passwordSecret: { name: 's1' } })],
      passwordSecrets: { s1: secret('from-secret') },
    });
    expect(peerSocketOptions(parsed(r)).md5Key).toBe('from-secret');
    expect(bgpPeerPassword(r.peers[0]!, r.passwordSecrets)).toBe('from-secret');
    expect(bgpPeerPassword(peer('p2', { password: 'inline' }), {})).toBe('inline');
    // A Secret of another type is MetalLB's error, and no password for the lab router.
    expect(bgpPeerPassword(r.peers[0]!, { s1: secret('x', 'Opaque') })).toBeUndefined();
  });

  it('where the key cannot be set, the speaker refuses the configuration with the reason', () => {
    const r = resources({ nodes, peers: [peer('p1', { password: 'k' })] });
    const res = buildConfig(r, noFfi);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('ERR_METALLB_PEER_PASSWORD_UNSUPPORTED');
    expect(res.error.message).toContain('no TCP_MD5SIG on darwin');
    const state = new LastValidConfig(noFfi).apply(r, 0).status;
    expect(state.result).toBe('Invalid');
    // The controller opens no session: its view is not affected.
    expect(buildConfig(r, { component: 'controller' }).ok).toBe(true);
  });

  it('a peer without a password, or one that does not select the node, is not refused', () => {
    expect(buildConfig(resources({ nodes, peers: [peer('p1', {})] }), noFfi).ok).toBe(true);
    const elsewhere = peer('p1', {
      password: 'k',
      nodeSelectors: [{ matchLabels: { zone: 'b' } }],
    });
    expect(buildConfig(resources({ nodes, peers: [elsewhere] }), noFfi).ok).toBe(true);
  });

  it('a key longer than Linux takes (80 bytes) is refused, 80 is fine', () => {
    const long = buildConfig(
      resources({ nodes, peers: [peer('p1', { password: 'k'.repeat(81) })] }),
      speaker,
    );
    expect(long.ok ? undefined : long.error.code).toBe('ERR_METALLB_PEER_PASSWORD_UNSUPPORTED');
    expect(
      buildConfig(resources({ nodes, peers: [peer('p1', { password: 'k'.repeat(80) })] }), speaker)
        .ok,
    ).toBe(true);
  });
});

describe('TTL per peer, as frr-k8s configures FRR', () => {
  it.each<[string, Parameters<typeof peer>[1], number]>([
    ['eBGP single hop sends TTL 1', {}, 1],
    [
      'eBGP multihop sends 255 (frr-k8s: ebgp-multihop without a count)',
      { ebgpMultiHop: true },
      255,
    ],
    ['iBGP sends 255', { peerASN: 64501 }, 255],
    ['dynamicASN internal is iBGP', { peerASN: undefined, dynamicASN: 'internal' }, 255],
    ['dynamicASN external is eBGP', { peerASN: undefined, dynamicASN: 'external' }, 1],
    ['localASN decides', { peerASN: 64999, localASN: 64999 } as Parameters<typeof peer>[1], 255],
  ])('%s', (_, spec, ttl) => {
    const r = resources({ nodes, peers: [peer('p1', spec)] });
    expect(peerSocketOptions(parsed(r))).toEqual({ ttl });
  });
});
