import { describe, expect, it } from 'vitest';
import {
  LastValidConfig,
  buildConfig,
  conditionFor,
  configurationStateObject,
  configurationStateStatus,
  mergeConditions,
} from '../../src/metallb/validate.js';
import { namespaceProblem } from '../../src/metallb/config.js';
import type { ClusterResources } from '../../src/metallb/types.js';
import { bfd, bgpAdv, community, node, peer, pool, resources } from './fixtures.js';

const speaker = { component: 'speaker', node: 'worker0' } as const;
const controller = { component: 'controller' } as const;
const nodes = [node('worker0', { zone: 'a' }, '10.89.0.10')];

function errorOf(r: ClusterResources, view: Parameters<typeof buildConfig>[1] = speaker) {
  const res = buildConfig(r, view);
  if (res.ok) return undefined;
  return res.error;
}

const basePool = pool('p', ['192.168.122.210-192.168.122.220']);

describe('semantic validation messages (reference §15, exact text)', () => {
  it.each<[string, Partial<ClusterResources>, string, string]>([
    [
      'missing local ASN',
      { peers: [peer('peer1', { myASN: 0 })] },
      'ERR_METALLB_PEER_INVALID',
      'missing local ASN\nparsing peer peer1',
    ],
    [
      'missing peer ASN',
      { peers: [peer('peer1', { peerASN: undefined })] },
      'ERR_METALLB_PEER_INVALID',
      'missing peer ASN and dynamicASN\nparsing peer peer1',
    ],
    [
      'both ASN kinds',
      { peers: [peer('peer1', { dynamicASN: 'external' })] },
      'ERR_METALLB_PEER_INVALID',
      'both peer ASN and dynamicASN specified\nparsing peer peer1',
    ],
    [
      'bad dynamicASN',
      { peers: [peer('peer1', { peerASN: undefined, dynamicASN: 'sideways' })] },
      'ERR_METALLB_PEER_INVALID',
      'invalid dynamicASN sideways\nparsing peer peer1',
    ],
    [
      'multihop on iBGP',
      { peers: [peer('peer1', { peerASN: 64501, ebgpMultiHop: true })] },
      'ERR_METALLB_PEER_INVALID',
      'invalid ebgp-multihop parameter set for an ibgp peer\nparsing peer peer1',
    ],
    [
      'no address',
      { peers: [peer('peer1', { peerAddress: undefined })] },
      'ERR_METALLB_PEER_INVALID',
      'peer has no Address or Interface specified\nparsing peer peer1',
    ],
    [
      'address and interface',
      { peers: [peer('peer1', { interface: 'eth1' })] },
      'ERR_METALLB_PEER_INVALID',
      'peer has both Address and Interface specified\nparsing peer peer1',
    ],
    [
      'password and secret',
      {
        peers: [
          peer('peer1', {
            password: 'x',
            passwordSecret: { name: 's', namespace: 'metallb-system' },
          }),
        ],
      },
      'ERR_METALLB_PEER_INVALID',
      'can not have both password and secret ref set in peer config "metallb-system"/"peer1"\nparsing peer peer1',
    ],
    [
      'hold time too short',
      { peers: [peer('peer1', { holdTime: '2s' })] },
      'ERR_METALLB_PEER_INVALID',
      'invalid BGPPeer timers: invalid hold time "2s": must be 0 or >=3s\nparsing peer peer1',
    ],
    [
      'keepalive above hold',
      { peers: [peer('peer1', { holdTime: '90s', keepaliveTime: '100s' })] },
      'ERR_METALLB_PEER_INVALID',
      'invalid BGPPeer timers: invalid keepaliveTime "1m40s", must be lower than holdTime "1m30s"\nparsing peer peer1',
    ],
    [
      'missing BFD profile',
      { peers: [peer('peer1', { bfdProfile: 'my-bfd-profile' })] },
      'ERR_METALLB_PEER_BFD_PROFILE_MISSING',
      'peer peer1 referencing non existing bfd profile my-bfd-profile',
    ],
    [
      'missing secret',
      { peers: [peer('peer1', { passwordSecret: { name: 'nope', namespace: 'metallb-system' } })] },
      'ERR_METALLB_PEER_SECRET',
      'secret ref not found for peer config "metallb-system"/"peer1"\nfailed to parse peer peer1 password secret\nparsing peer peer1',
    ],
    [
      'secret of the wrong type',
      {
        peers: [peer('peer1', { passwordSecret: { name: 's1', namespace: 'metallb-system' } })],
        passwordSecrets: {
          s1: { metadata: { name: 's1', namespace: 'metallb-system' }, type: 'Opaque', data: {} },
        },
      },
      'ERR_METALLB_PEER_SECRET',
      'secret type mismatch on "metallb-system"/"s1", type "kubernetes.io/basic-auth" is expected \nfailed to parse peer peer1 password secret\nparsing peer peer1',
    ],
    [
      'duplicate peer on one node',
      {
        peers: [
          peer('a', { peerAddress: '10.200.200.2' }),
          peer('b', { peerAddress: '10.200.200.2', holdTime: '30s' }),
        ],
      },
      'ERR_METALLB_PEER_DUPLICATE',
      "peer 10.200.200.2 already exists, FRR mode doesn't support duplicate BGPPeers selecting the same node",
    ],
    [
      'pool overlap',
      { pools: [pool('a', ['192.168.10.0/24']), pool('bgp-pool', ['192.168.10.128/25'])] },
      'ERR_METALLB_POOL_OVERLAP',
      'CIDR "192.168.10.128/25" in pool "bgp-pool" overlaps with already defined CIDR "192.168.10.0/24"',
    ],
    [
      'duplicate community alias',
      {
        communities: [
          community('c1', [{ name: 'my-alias', value: '1:1' }]),
          community('c2', [{ name: 'my-alias', value: '2:2' }]),
        ],
      },
      'ERR_METALLB_COMMUNITY_DUPLICATE',
      'duplicate definition of community "my-alias"',
    ],
    [
      'unknown community alias',
      { pools: [basePool], bgpAdvertisements: [bgpAdv('a', { communities: ['my-valid-alias'] })] },
      'ERR_METALLB_COMMUNITY_INVALID',
      'invalid community format: my-valid-alias\ninvalid community "my-valid-alias" in BGP advertisement',
    ],
    [
      'aggregation wider than the pool',
      { pools: [basePool], bgpAdvertisements: [bgpAdv('a', { aggregationLength: 24 })] },
      'ERR_METALLB_ADVERTISEMENT_INVALID',
      'invalid aggregation length 24: prefix 30 in this pool is more specific than the aggregation length for addresses 192.168.122.210-192.168.122.220',
    ],
    [
      'aggregation length above 32 (Go prints %q of an int as a rune)',
      { pools: [basePool], bgpAdvertisements: [bgpAdv('a', { aggregationLength: 33 })] },
      'ERR_METALLB_ADVERTISEMENT_INVALID',
      "invalid aggregation length '!' for IPv4",
    ],
    [
      'conflicting local preference',
      {
        pools: [basePool],
        bgpAdvertisements: [bgpAdv('a', { localPref: 100 }), bgpAdv('b', { localPref: 200 })],
      },
      'ERR_METALLB_ADVERTISEMENT_INVALID',
      'invalid local preference 200: local preferernce 100 was already set for the same type of BGP update. Check existing BGP advertisements with common pools and aggregation lengths',
    ],
  ])('%s', (_name, r, code, message) => {
    const e = errorOf(resources({ nodes, ...r }));
    expect(e?.code).toBe(code);
    expect(e?.message).toBe(message);
  });

  it('the same duplicate peer is fine when the two select different nodes', () => {
    const r = resources({
      nodes: [node('worker0', { zone: 'a' }), node('worker1', { zone: 'b' })],
      peers: [
        peer('a', { peerAddress: '10.200.200.2', nodeSelectors: [{ matchLabels: { zone: 'a' } }] }),
        peer('b', { peerAddress: '10.200.200.2', nodeSelectors: [{ matchLabels: { zone: 'b' } }] }),
      ],
    });
    expect(buildConfig(r, speaker).ok).toBe(true);
  });

  it('the webhook refuses objects outside the MetalLB namespace', () => {
    expect(namespaceProblem('default', 'metallb-system')?.message).toBe(
      'resource must be created in metallb-system namespace',
    );
    expect(namespaceProblem('metallb-system', 'metallb-system')).toBeUndefined();
  });

  it('transient errors are marked (objects that may still arrive)', () => {
    expect(errorOf(resources({ peers: [peer('peer1', { bfdProfile: 'x' })] }))?.transient).toBe(
      true,
    );
    expect(errorOf(resources({ peers: [peer('peer1', { myASN: 0 })] }))?.transient).toBe(false);
  });

  it('the controller skips peer checks: missing BFD profile, community alias or secret', () => {
    const r = resources({
      nodes,
      pools: [basePool],
      peers: [peer('peer1', { bfdProfile: 'my-bfd-profile', passwordSecret: { name: 'nope' } })],
      bgpAdvertisements: [bgpAdv('a', { communities: ['my-valid-alias'] })],
    });
    expect(buildConfig(r, controller).ok).toBe(true);
    expect(buildConfig(r, speaker).ok).toBe(false);
  });

  it('the controller still refuses overlapping pools', () => {
    const r = resources({ pools: [pool('a', ['10.0.0.0/24']), pool('b', ['10.0.0.10/32'])] });
    expect(errorOf(r, controller)?.code).toBe('ERR_METALLB_POOL_OVERLAP');
  });

  it('a valid BFD profile satisfies the peer', () => {
    const r = resources({
      nodes,
      peers: [peer('peer1', { bfdProfile: 'p' })],
      bfdProfiles: [bfd('p', { detectMultiplier: 3 })],
    });
    expect(buildConfig(r, speaker).ok).toBe(true);
  });
});

describe('ConfigurationState (reference §7)', () => {
  const t0 = Date.parse('2026-04-21T09:54:00Z');

  it('seed: the Valid controller', () => {
    const cond = conditionFor('poolReconcilerValid', { kind: 'ok' }, t0);
    const status = configurationStateStatus([cond]);
    const obj = configurationStateObject(controller, status);
    expect(obj.metadata).toEqual({
      name: 'controller',
      namespace: 'metallb-system',
      labels: { 'metallb.io/component-type': 'controller' },
    });
    expect(status).toEqual({
      conditions: [
        {
          lastTransitionTime: '2026-04-21T09:54:00Z',
          message: '',
          reason: 'Reconciled',
          status: 'True',
          type: 'poolReconcilerValid',
        },
      ],
      result: 'Valid',
    });
  });

  it('seed: the Invalid speaker with a missing BFD profile', () => {
    const view = { component: 'speaker', node: 'mysno-sno.demo.lab' } as const;
    const kept = new LastValidConfig(view);
    const r = resources({ peers: [peer('peer1', { bfdProfile: 'my-bfd-profile' })] });
    const out = kept.apply(r, Date.parse('2026-04-21T10:09:34Z'));
    const obj = configurationStateObject(view, out.status);
    expect(obj.metadata.name).toBe('speaker-mysno-sno.demo.lab');
    expect(obj.metadata.labels).toEqual({
      'metallb.io/component-type': 'speaker',
      'metallb.io/node-name': 'mysno-sno.demo.lab',
    });
    const msg =
      'configuration error: peer peer1 referencing non existing bfd profile my-bfd-profile';
    expect(out.status).toEqual({
      conditions: [
        {
          lastTransitionTime: '2026-04-21T10:09:34Z',
          message: msg,
          reason: 'ConfigurationError',
          status: 'False',
          type: 'configReconcilerValid',
        },
      ],
      errorSummary: msg,
      result: 'Invalid',
    });
  });

  it('no conditions is Unknown; UnknownError alone stays Valid; several errors join with \\n', () => {
    expect(configurationStateStatus([]).result).toBe('Unknown');
    const other = conditionFor(
      'configReconcilerValid',
      { kind: 'other-error', message: 'boom' },
      t0,
    );
    expect(other.reason).toBe('UnknownError');
    expect(configurationStateStatus([other])).toMatchObject({ result: 'Valid' });
    expect(configurationStateStatus([other]).errorSummary).toBeUndefined();
    const a = conditionFor(
      'configReconcilerValid',
      { kind: 'config-error', error: { message: 'a' } },
      t0,
    );
    const b = conditionFor(
      'poolReconcilerValid',
      { kind: 'config-error', error: { message: 'b' } },
      t0,
    );
    expect(configurationStateStatus([a, b]).errorSummary).toBe(
      'configuration error: a\nconfiguration error: b',
    );
  });

  it('conditions are keyed by type', () => {
    const a = conditionFor(
      'configReconcilerValid',
      { kind: 'config-error', error: { message: 'a' } },
      t0,
    );
    const ok = conditionFor('configReconcilerValid', { kind: 'ok' }, t0 + 1000);
    expect(mergeConditions([a], ok)).toEqual([ok]);
  });

  it('keeps the last valid configuration while a new one is refused, and recovers', () => {
    const kept = new LastValidConfig(speaker);
    const good = resources({ nodes, pools: [basePool], peers: [peer('peer1', {})] });
    const first = kept.apply(good, t0);
    expect(first.changed).toBe(true);
    expect(first.status.result).toBe('Valid');
    const bad = resources({
      nodes,
      pools: [basePool],
      peers: [peer('peer1', { bfdProfile: 'gone' })],
    });
    const second = kept.apply(bad, t0 + 60_000);
    expect(second.changed).toBe(false);
    expect(second.config).toBe(first.config);
    expect(second.error?.code).toBe('ERR_METALLB_PEER_BFD_PROFILE_MISSING');
    expect(second.status.result).toBe('Invalid');
    expect(second.status.conditions?.[0]?.lastTransitionTime).toBe('2026-04-21T09:55:00Z');
    const third = kept.apply(good, t0 + 120_000);
    expect(third.status).toMatchObject({ result: 'Valid' });
    expect(third.status.errorSummary).toBeUndefined();
  });
});
