import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../src/k8s/api-server.js';
import type { ApiStatusError } from '../../src/k8s/errors.js';
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
    expect(d?.error.code).toBe('ERR_METALLB_POOL_OVERLAP');
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
    expect(d?.error.code).toBe('ERR_METALLB_PEER_INVALID');
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
    expect(d?.error.code).toBe('ERR_METALLB_ADVERTISEMENT_INVALID');
  });
});

// The CRDs' own rules (crds/*.yaml), as the API server evaluates them on every write.
describe('CRD rules (reference §5, §9, §11)', () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await ApiServer.start({ namespaces: ['metallb-system'] });
  });
  afterAll(() => server.close());
  const t = (group: string, version: string, plural: string) =>
    server.registry.find(group, version, plural)!;
  const peers = () => t('metallb.io', 'v1beta2', 'bgppeers');
  const causes = (fn: () => unknown): string[] => {
    try {
      fn();
      return [];
    } catch (e) {
      expect((e as ApiStatusError).code).toBe('ERR_K8S_INVALID');
      return (e as ApiStatusError).causes.map((c) => `${c.field}: ${c.message}`);
    }
  };
  let n = 0;
  // A fresh address each: the BGPPeer webhook refuses two peers on one address.
  const createPeer = (name: string, extra: Record<string, unknown>) =>
    server.service.create(peers(), 'metallb-system', {
      metadata: { name },
      spec: { myASN: 64501, peerASN: 64500, peerAddress: `198.18.0.${++n}`, ...extra },
    });

  it.each([
    ['500ms', ['between 1 seconds', 'whole number']],
    ['70000s', ['between 1 seconds']],
    ['1500ms', ['whole number']],
    ['10s', []],
  ])('connectTime %s', (ct, want) => {
    const got = causes(() => createPeer(`ct-${ct}`, { connectTime: ct }));
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => expect(got[i]).toContain(w));
  });

  it('enableGracefulRestart is immutable', () => {
    // A transition rule needs both values: unset -> true passes on a real server too.
    createPeer('gr', { enableGracefulRestart: false });
    const change = () =>
      server.service.patch(
        peers(),
        'metallb-system',
        'gr',
        'merge',
        {
          spec: { enableGracefulRestart: true },
        },
        undefined,
      );
    expect(causes(change)).toEqual([
      'spec.enableGracefulRestart: Invalid value: true: EnableGracefulRestart cannot be changed after creation',
    ]);
  });

  it('serviceSelectors only with default aggregation lengths', () => {
    const ads = t('metallb.io', 'v1beta1', 'bgpadvertisements');
    const create = (name: string, aggregationLength: number) => () =>
      server.service.create(ads, 'metallb-system', {
        metadata: { name },
        spec: { serviceSelectors: [{ matchLabels: { a: 'b' } }], aggregationLength },
      });
    expect(causes(create('a24', 24))).toHaveLength(1);
    expect(causes(create('a32', 32))).toEqual([]);
  });

  it('ServiceBGPStatus identity fields are immutable; peers may change', () => {
    const statuses = t('metallb.io', 'v1beta1', 'servicebgpstatuses');
    const obj = serviceBgpStatusObject({
      node: 'worker0',
      serviceName: 's',
      serviceNamespace: 'default',
      peers: [],
    });
    const created = server.service.create(
      statuses,
      'metallb-system',
      obj,
      {},
      { keepStatus: true },
    );
    const name = created.metadata?.name ?? '';
    const patchStatus = (status: Record<string, unknown>) => () =>
      server.service.patch(statuses, 'metallb-system', name, 'merge', { status }, 'status');
    expect(causes(patchStatus({ node: 'worker1' }))).toEqual([
      'status.node: Invalid value: "worker1": Value is immutable',
    ]);
    expect(causes(patchStatus({ peers: ['p'] }))).toEqual([]);
  });
});
