import { describe, expect, it } from 'vitest';
import { planBgp } from '../../src/metallb/announce.js';
import { buildConfig } from '../../src/metallb/config.js';
import { frrRoutersForNode, renderRunningConfig } from '../../src/metallb/frr-config.js';
import type { ClusterResources, Service, EndpointSlice } from '../../src/metallb/types.js';
import { bfd, bgpAdv, node, peer, pool, resources, service, slice } from './fixtures.js';

function runningConfig(r: Partial<ClusterResources>, services: Service[], slices: EndpointSlice[]) {
  const nodes = [node('worker0', {}, '10.89.0.10')];
  const cfg = buildConfig(resources({ nodes, ...r }), { component: 'speaker', node: 'worker0' });
  if (!cfg.ok) throw new Error(cfg.error.message);
  const plan = planBgp({ config: cfg.config, nodes, services, endpointSlices: slices });
  return renderRunningConfig({
    hostname: 'worker0',
    routers: frrRoutersForNode('worker0', [...cfg.config.peers.values()], plan),
    bfdProfiles: [...cfg.config.bfdProfiles.values()],
  });
}

const PREAMBLE = `Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults traditional
hostname worker0
log file /etc/frr/frr.log informational
log timestamp precision 3
bgp route-map delay-timer 20
service integrated-vtysh-config
!
`;

describe('FRR running-config (reference §4, §17; order as FRR 8.4.4 prints it)', () => {
  const seed = {
    pools: [pool('bgp-pool', ['192.168.122.210-192.168.122.220'])],
    peers: [peer('bgp-peer', { myASN: 64501, peerASN: 64500, peerAddress: '192.168.1.1' })],
    bgpAdvertisements: [bgpAdv('bgp-advertisement', { ipAddressPools: ['bgp-pool'] })],
  };
  const svc = service('test-service', { ingress: ['192.168.122.210'] });
  const eps = [slice('test-service', [{ node: 'worker0' }])];

  it('seed BGP example, golden', () => {
    expect(runningConfig(seed, [svc], eps)).toBe(
      PREAMBLE +
        `router bgp 64501
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 bgp graceful-restart preserve-fw-state
 no bgp network import-check
 neighbor 192.168.1.1 remote-as 64500
 !
 address-family ipv4 unicast
  network 192.168.122.210/32
  neighbor 192.168.1.1 activate
  neighbor 192.168.1.1 route-map 192.168.1.1-in in
  neighbor 192.168.1.1 route-map 192.168.1.1-out out
 exit-address-family
exit
!
ip prefix-list 192.168.1.1-allowed-ipv4 seq 1 permit 192.168.122.210/32
ip prefix-list 192.168.1.1-inpl-ipv4 seq 1 deny any
!
ipv6 prefix-list 192.168.1.1-allowed-ipv6 seq 1 deny any
ipv6 prefix-list 192.168.1.1-inpl-ipv4 seq 2 deny any
!
route-map 192.168.1.1-out permit 1
 match ip address prefix-list 192.168.1.1-allowed-ipv4
exit
!
route-map 192.168.1.1-out permit 2
 match ipv6 address prefix-list 192.168.1.1-allowed-ipv6
exit
!
route-map 192.168.1.1-in permit 3
 match ip address prefix-list 192.168.1.1-inpl-ipv4
exit
!
route-map 192.168.1.1-in permit 4
 match ipv6 address prefix-list 192.168.1.1-inpl-ipv4
exit
!
ip nht resolve-via-default
!
ipv6 nht resolve-via-default
!
end
`,
    );
  });

  it('the seed grep "network" finds the advertised prefix', () => {
    const lines = runningConfig(seed, [svc], eps)
      .split('\n')
      .filter((l) => l.includes('network'));
    expect(lines).toEqual([' no bgp network import-check', '  network 192.168.122.210/32']);
  });

  it('no ready endpoint: the neighbour is there, nothing is announced', () => {
    const text = runningConfig(seed, [svc], []);
    expect(text).not.toContain('  network ');
    expect(text).toContain('ip prefix-list 192.168.1.1-allowed-ipv4 seq 1 deny any');
  });

  it('neighbour options, communities, LOCAL_PREF and BFD profile, golden', () => {
    const r = {
      pools: [pool('bgp-pool', ['192.168.122.210-192.168.122.220'])],
      peers: [
        peer('ibgp', {
          myASN: 64501,
          peerASN: 64501,
          peerAddress: '192.168.1.1',
          bfdProfile: 'full',
          password: 'secretpw',
          peerPort: 180,
          holdTime: '90s',
          keepaliveTime: '30s',
          connectTime: '10s',
        }),
      ],
      bfdProfiles: [
        bfd('full', {
          receiveInterval: 200,
          transmitInterval: 150,
          detectMultiplier: 5,
          echoMode: true,
          echoInterval: 60,
          minimumTtl: 250,
          passiveMode: true,
        }),
      ],
      bgpAdvertisements: [
        bgpAdv('a', { localPref: 150, communities: ['1234:1234', 'large:1:2:3'] }),
      ],
    };
    const text = runningConfig(r, [svc], eps);
    expect(text).toBe(
      PREAMBLE +
        `router bgp 64501
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 bgp graceful-restart preserve-fw-state
 no bgp network import-check
 neighbor 192.168.1.1 remote-as 64501
 neighbor 192.168.1.1 bfd
 neighbor 192.168.1.1 bfd profile full
 neighbor 192.168.1.1 password <retracted>
 neighbor 192.168.1.1 port 180
 neighbor 192.168.1.1 timers 30 90
 neighbor 192.168.1.1 timers connect 10
 !
 address-family ipv4 unicast
  network 192.168.122.210/32
  neighbor 192.168.1.1 activate
  neighbor 192.168.1.1 route-map 192.168.1.1-in in
  neighbor 192.168.1.1 route-map 192.168.1.1-out out
 exit-address-family
exit
!
ip prefix-list 192.168.1.1-1234:1234-ipv4-community-prefixes seq 1 permit 192.168.122.210/32
ip prefix-list 192.168.1.1-large:1:2:3-ipv4-community-prefixes seq 1 permit 192.168.122.210/32
ip prefix-list 192.168.1.1-150-ipv4-localpref-prefixes seq 1 permit 192.168.122.210/32
ip prefix-list 192.168.1.1-allowed-ipv4 seq 1 permit 192.168.122.210/32
ip prefix-list 192.168.1.1-inpl-ipv4 seq 1 deny any
!
ipv6 prefix-list 192.168.1.1-allowed-ipv6 seq 1 deny any
ipv6 prefix-list 192.168.1.1-inpl-ipv4 seq 2 deny any
!
route-map 192.168.1.1-out permit 1
 match ip address prefix-list 192.168.1.1-1234:1234-ipv4-community-prefixes
 on-match next
 set community 1234:1234 additive
exit
!
route-map 192.168.1.1-out permit 2
 match ip address prefix-list 192.168.1.1-large:1:2:3-ipv4-community-prefixes
 on-match next
 set large-community 1:2:3 additive
exit
!
route-map 192.168.1.1-out permit 3
 match ip address prefix-list 192.168.1.1-150-ipv4-localpref-prefixes
 on-match next
 set local-preference 150
exit
!
route-map 192.168.1.1-out permit 4
 match ip address prefix-list 192.168.1.1-allowed-ipv4
exit
!
route-map 192.168.1.1-out permit 5
 match ipv6 address prefix-list 192.168.1.1-allowed-ipv6
exit
!
route-map 192.168.1.1-in permit 6
 match ip address prefix-list 192.168.1.1-inpl-ipv4
exit
!
route-map 192.168.1.1-in permit 7
 match ipv6 address prefix-list 192.168.1.1-inpl-ipv4
exit
!
ip nht resolve-via-default
!
ipv6 nht resolve-via-default
!
bfd
 profile full
  detect-multiplier 5
  transmit-interval 150
  receive-interval 200
  passive-mode
  echo-mode
  echo transmit-interval 60
  echo receive-interval 60
  minimum-ttl 250
 exit
 !
exit
!
end
`,
    );
    expect(text).not.toContain('secretpw');
  });

  it('IPv6 eBGP neighbour (and enableGracefulRestart, after the timers) gets disable-connected-check and an ipv6 address-family; peers sorted as FRR sorts them', () => {
    const r = {
      pools: [pool('v6', ['2001:db8::/120'])],
      peers: [
        peer('b', {
          peerAddress: '2001:db8:ff::1',
          peerASN: 64500,
          sourceAddress: '2001:db8:ff::10',
        }),
        peer('a', { peerAddress: '192.168.1.9', peerASN: 64500 }),
        peer('c', {
          peerAddress: '192.168.1.10',
          peerASN: 64500,
          ebgpMultiHop: true,
          enableGracefulRestart: true,
          connectTime: '5s',
        }),
      ],
      bgpAdvertisements: [bgpAdv('x')],
    };
    const v6 = service('v6', { clusterIPs: ['fd00::1'], ingress: ['2001:db8::7'] });
    const text = runningConfig(r, [v6], [slice('v6', [{ node: 'worker0' }])]);
    const neighborLines = text.split('\n').filter((l) => l.startsWith(' neighbor'));
    expect(neighborLines).toEqual([
      ' neighbor 192.168.1.9 remote-as 64500',
      ' neighbor 192.168.1.10 remote-as 64500',
      ' neighbor 192.168.1.10 ebgp-multihop 255',
      ' neighbor 192.168.1.10 timers connect 5',
      ' neighbor 192.168.1.10 graceful-restart',
      ' neighbor 2001:db8:ff::1 remote-as 64500',
      ' neighbor 2001:db8:ff::1 disable-connected-check',
      ' neighbor 2001:db8:ff::1 update-source 2001:db8:ff::10',
    ]);
    expect(text).toContain(` address-family ipv6 unicast
  network 2001:db8::7/128
  neighbor 2001:db8:ff::1 activate
  neighbor 2001:db8:ff::1 route-map 2001:db8:ff::1-in in
  neighbor 2001:db8:ff::1 route-map 2001:db8:ff::1-out out
 exit-address-family`);
    expect(text).toContain(
      'ipv6 prefix-list 2001:db8:ff::1-allowed-ipv6 seq 1 permit 2001:db8::7/128',
    );
    expect(text).toContain('ip prefix-list 192.168.1.9-allowed-ipv4 seq 1 deny any');
  });

  it('optional zebra and vtysh lines', () => {
    const text = renderRunningConfig({
      hostname: 'worker0',
      routers: [],
      bfdProfiles: [],
      ipForwarding: false,
      vtyshHostname: 'frr-k8s-abcde',
      frrVersion: '8.5.3',
    });
    expect(text.split('\n').slice(4, 14)).toEqual([
      'frr version 8.5.3',
      'frr defaults traditional',
      'hostname worker0',
      'log file /etc/frr/frr.log informational',
      'log timestamp precision 3',
      'no ip forwarding',
      'no ipv6 forwarding',
      'bgp route-map delay-timer 20',
      'hostname frr-k8s-abcde',
      'service integrated-vtysh-config',
    ]);
  });
});
