import { describe, expect, it } from 'vitest';
import {
  bfdStatusString,
  bgpSessionStateObject,
  bgpStatusString,
  sessionPeerName,
  sessionStateKey,
  sessionStatusChanged,
} from '../../src/metallb/session-state.js';

describe('BGPSessionState (reference §3)', () => {
  it.each([
    ['10.89.0.64', '10.89.0.64'],
    ['fc00:f853:ccd:e799::1', 'fc00-f853-0ccd-e799-0000-0000-0000-0001'],
    ['FC00:F853:0CCD:E799:0:0:0:1', 'fc00-f853-0ccd-e799-0000-0000-0000-0001'],
    ['::1', '0000-0000-0000-0000-0000-0000-0000-0001'],
    ['2001:db8::', '2001-0db8-0000-0000-0000-0000-0000-0000'],
    ['eth1', 'eth1'],
  ])('peer %s -> %s', (input, want) => {
    expect(sessionPeerName(input)).toBe(want);
  });

  it.each([
    ['Idle', 'Idle'],
    ['Connect', 'Connect'],
    ['Active', 'Active'],
    ['OpenSent', 'OpenSent'],
    ['OpenConfirm', 'OpenConfirm'],
    ['Established', 'Established'],
    ['ESTABLISHED', 'Established'],
    ['Clearing', 'Idle'],
  ])('bgpState %s -> %s', (s, want) => {
    expect(bgpStatusString(s)).toBe(want);
  });

  it.each([
    [undefined, 'N/A'],
    ['Up', 'Up'],
    ['up', 'Up'],
    ['Down', 'Down'],
    ['Init', 'Down'],
    ['AdminDown', 'Admin Down'],
    ['shutdown', 'Admin Down'],
    ['Unknown', 'Unknown'],
    ['weird', 'Unknown'],
  ])('bfd %s -> %s', (s, want) => {
    expect(bfdStatusString(s)).toBe(want);
  });

  it('seed rows: worker2 to 10.89.0.66 Established with BFD Up, default VRF has no vrf field', () => {
    const o = bgpSessionStateObject(
      { node: 'worker2', peer: '10.89.0.66', bgpState: 'Established', bfdStatus: 'Up' },
      'openshift-frr-k8s',
    );
    expect(o).toEqual({
      apiVersion: 'frrk8s.metallb.io/v1beta1',
      kind: 'BGPSessionState',
      metadata: {
        generateName: 'worker2-',
        namespace: 'openshift-frr-k8s',
        labels: {
          'frrk8s.metallb.io/node': 'worker2',
          'frrk8s.metallb.io/peer': '10.89.0.66',
          'frrk8s.metallb.io/vrf': '',
        },
      },
      spec: {},
      status: { node: 'worker2', peer: '10.89.0.66', bgpStatus: 'Established', bfdStatus: 'Up' },
    });
    const active = bgpSessionStateObject({
      node: 'worker',
      peer: '10.89.0.64',
      bgpState: 'Active',
    });
    expect(active.status).toEqual({
      node: 'worker',
      peer: '10.89.0.64',
      bgpStatus: 'Active',
      bfdStatus: 'N/A',
    });
    expect(active.metadata.namespace).toBe('frr-k8s-system');
  });

  it('a VRF session carries vrf in status and label; keys and change detection', () => {
    const a = bgpSessionStateObject({
      node: 'n',
      peer: 'fc00:f853:ccd:e799::1',
      vrf: 'red',
      bgpState: 'Established',
      bfdStatus: 'Init',
    });
    expect(a.status.vrf).toBe('red');
    expect(a.status.bfdStatus).toBe('Down');
    expect(a.metadata.labels?.['frrk8s.metallb.io/vrf']).toBe('red');
    expect(sessionStateKey(a)).toBe('n|red|fc00-f853-0ccd-e799-0000-0000-0000-0001');
    const b = bgpSessionStateObject({
      node: 'n',
      peer: 'fc00:f853:ccd:e799::1',
      vrf: 'red',
      bgpState: 'Established',
      bfdStatus: 'Up',
    });
    expect(sessionStatusChanged(a.status, b.status)).toBe(true);
    expect(sessionStatusChanged(b.status, { ...b.status })).toBe(false);
  });
});
