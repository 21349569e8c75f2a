import { describe, expect, it } from 'vitest';
import {
  bgpAdvertisementRuleViolations,
  bgpPeerRuleViolations,
  serviceStatusRuleViolations,
} from '../../src/metallb/crd-rules.js';
import { serviceBgpStatusObject } from '../../src/metallb/announce.js';
import { admissionReview } from '../../src/metallb/webhook.js';
import { bgpAdv, node, peer, pool, resources } from './fixtures.js';

describe('admission webhooks (reference §15)', () => {
  const existing = resources({ pools: [pool('a', ['192.168.10.0/24'])] });

  it('an overlapping pool is denied with the webhook name and exact message', () => {
    const d = admissionReview(
      'IPAddressPool',
      'CREATE',
      pool('bgp-pool', ['192.168.10.128/25']),
      existing,
    );
    expect(d?.webhook).toBe('ipaddresspoolvalidationwebhook.metallb.io');
    expect(d?.error.code).toBe('POOL_OVERLAP');
    expect(d?.message).toBe(
      'admission webhook "ipaddresspoolvalidationwebhook.metallb.io" denied the request: CIDR "192.168.10.128/25" in pool "bgp-pool" overlaps with already defined CIDR "192.168.10.0/24"',
    );
  });

  it('updating a pool replaces it rather than overlapping with its old self', () => {
    expect(
      admissionReview('IPAddressPool', 'UPDATE', pool('a', ['192.168.10.0/25']), existing),
    ).toBeUndefined();
  });

  it('a missing BFD profile or secret passes admission', () => {
    expect(
      admissionReview(
        'BGPPeer',
        'CREATE',
        peer('peer1', { bfdProfile: 'my-bfd-profile' }),
        existing,
      ),
    ).toBeUndefined();
    expect(
      admissionReview(
        'BGPPeer',
        'CREATE',
        peer('peer1', { passwordSecret: { name: 'nope' } }),
        existing,
      ),
    ).toBeUndefined();
  });

  it('a broken peer is denied by the BGPPeer webhook', () => {
    const d = admissionReview('BGPPeer', 'CREATE', peer('peer1', { holdTime: '1s' }), existing);
    expect(d?.webhook).toBe('bgppeersvalidationwebhook.metallb.io');
    expect(d?.error.code).toBe('PEER_INVALID');
  });

  it('duplicate BGPPeers are denied only when they share a node', () => {
    const nodes = [node('w0', { rack: 'a' }), node('w1', { rack: 'b' })];
    const withA = resources({
      nodes,
      peers: [
        peer('a', { peerAddress: '10.200.200.2', nodeSelectors: [{ matchLabels: { rack: 'a' } }] }),
      ],
    });
    const onB = peer('b', {
      peerAddress: '10.200.200.2',
      nodeSelectors: [{ matchLabels: { rack: 'b' } }],
    });
    expect(admissionReview('BGPPeer', 'CREATE', onB, withA)).toBeUndefined();
    const everywhere = peer('c', { peerAddress: '10.200.200.2' });
    expect(admissionReview('BGPPeer', 'CREATE', everywhere, withA)?.message).toBe(
      'admission webhook "bgppeersvalidationwebhook.metallb.io" denied the request: peer 10.200.200.2 already exists, FRR mode doesn\'t support duplicate BGPPeers selecting the same node',
    );
  });

  it('objects outside metallb-system are denied', () => {
    const p = pool('x', ['10.9.0.0/24']);
    p.metadata.namespace = 'default';
    expect(admissionReview('IPAddressPool', 'CREATE', p, existing)?.error.message).toBe(
      'resource must be created in metallb-system namespace',
    );
  });

  it('an advertisement whose aggregation is wider than its pool is denied', () => {
    const d = admissionReview(
      'BGPAdvertisement',
      'CREATE',
      bgpAdv('x', { aggregationLength: 16 }),
      existing,
    );
    expect(d?.webhook).toBe('bgpadvertisementvalidationwebhook.metallb.io');
    expect(d?.error.code).toBe('ADVERTISEMENT_INVALID');
  });
});

describe('CRD rules (reference §5, §9, §11)', () => {
  it.each([
    ['500ms', ['connect time should be between 1 seconds to 65535']],
    ['70000s', ['connect time should be between 1 seconds to 65535']],
    ['1500ms', ['connect time should contain a whole number of seconds']],
    ['10s', []],
  ])('connectTime %s', (ct, messages) => {
    expect(bgpPeerRuleViolations(peer('p', { connectTime: ct })).map((v) => v.message)).toEqual(
      messages,
    );
  });

  it('enableGracefulRestart is immutable', () => {
    const before = peer('p', {});
    const after = peer('p', { enableGracefulRestart: true });
    expect(bgpPeerRuleViolations(after, before)).toEqual([
      {
        field: 'spec.enableGracefulRestart',
        message: 'EnableGracefulRestart cannot be changed after creation',
      },
    ]);
    expect(bgpPeerRuleViolations(after, after)).toEqual([]);
  });

  it('serviceSelectors only with default aggregation lengths', () => {
    expect(
      bgpAdvertisementRuleViolations(
        bgpAdv('a', { serviceSelectors: [{ matchLabels: { a: 'b' } }], aggregationLength: 24 }),
      ),
    ).toHaveLength(1);
    expect(
      bgpAdvertisementRuleViolations(
        bgpAdv('a', { serviceSelectors: [{ matchLabels: { a: 'b' } }], aggregationLength: 32 }),
      ),
    ).toEqual([]);
  });

  it('ServiceBGPStatus identity fields are immutable', () => {
    const a = serviceBgpStatusObject({
      node: 'worker0',
      serviceName: 's',
      serviceNamespace: 'default',
      peers: [],
    });
    const b = serviceBgpStatusObject({
      node: 'worker1',
      serviceName: 's',
      serviceNamespace: 'default',
      peers: ['p'],
    });
    expect(serviceStatusRuleViolations(b, a)).toEqual([
      { field: 'status.node', message: 'Value is immutable' },
    ]);
    const peersOnly = serviceBgpStatusObject({
      node: 'worker0',
      serviceName: 's',
      serviceNamespace: 'default',
      peers: ['p'],
    });
    expect(serviceStatusRuleViolations(peersOnly, a)).toEqual([]);
  });
});
