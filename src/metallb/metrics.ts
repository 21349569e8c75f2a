/**
 * The Prometheus metrics MetalLB exposes for BGP sessions, BFD sessions and address pools,
 * with MetalLB's names, help texts and labels, created in a caller's prom-client Registry.
 * Names: metallb internal/bgp (native) and the frr-k8s/MetalLB FRR collectors, internal/allocator.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface MetallbMetrics {
  bgpSessionUp: Gauge<'peer' | 'vrf'>;
  bgpUpdatesSent: Counter<'peer' | 'vrf'>;
  bgpAnnouncedPrefixes: Gauge<'peer' | 'vrf'>;
  bgpPendingPrefixes: Gauge<'peer' | 'vrf'>;
  bgpOpensSent: Counter<'peer' | 'vrf'>;
  bgpOpensReceived: Counter<'peer' | 'vrf'>;
  bgpNotificationsSent: Counter<'peer' | 'vrf'>;
  bgpUpdatesReceived: Counter<'peer' | 'vrf'>;
  bgpKeepalivesSent: Counter<'peer' | 'vrf'>;
  bgpKeepalivesReceived: Counter<'peer' | 'vrf'>;
  bgpRouteRefreshSent: Counter<'peer' | 'vrf'>;
  bgpTotalSent: Counter<'peer' | 'vrf'>;
  bgpTotalReceived: Counter<'peer' | 'vrf'>;
  bfdSessionUp: Gauge<'peer' | 'vrf'>;
  bfdControlPacketInput: Counter<'peer' | 'vrf'>;
  bfdControlPacketOutput: Counter<'peer' | 'vrf'>;
  bfdEchoPacketInput: Counter<'peer' | 'vrf'>;
  bfdEchoPacketOutput: Counter<'peer' | 'vrf'>;
  bfdSessionUpEvents: Counter<'peer' | 'vrf'>;
  bfdSessionDownEvents: Counter<'peer' | 'vrf'>;
  bfdZebraNotifications: Counter<'peer' | 'vrf'>;
  addressesInUse: Gauge<'pool'>;
  addressesTotal: Gauge<'pool'>;
  ipv4AddressesInUse: Gauge<'pool'>;
  ipv4AddressesTotal: Gauge<'pool'>;
  ipv6AddressesInUse: Gauge<'pool'>;
  ipv6AddressesTotal: Gauge<'pool'>;
  servicesAllocated: Gauge<'pool'>;
}

const SESSION = ['peer', 'vrf'] as const;

export function createMetallbMetrics(registry: Registry): MetallbMetrics {
  const registers = [registry];
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
  ): Gauge<L> => new Gauge<L>({ name, help, labelNames, registers });
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
  ): Counter<L> => new Counter<L>({ name, help, labelNames, registers });
  return {
    bgpSessionUp: gauge(
      'metallb_bgp_session_up',
      'BGP session state (1 is up, 0 is down)',
      SESSION,
    ),
    bgpUpdatesSent: counter(
      'metallb_bgp_updates_total',
      'Number of BGP UPDATE messages sent',
      SESSION,
    ),
    bgpAnnouncedPrefixes: gauge(
      'metallb_bgp_announced_prefixes_total',
      'Number of prefixes currently being advertised on the BGP session',
      SESSION,
    ),
    bgpPendingPrefixes: gauge(
      'metallb_bgp_pending_prefixes_total',
      'Number of prefixes that should be advertised on the BGP session',
      SESSION,
    ),
    bgpOpensSent: counter('metallb_bgp_opens_sent', 'Number of BGP open messages sent', SESSION),
    bgpOpensReceived: counter(
      'metallb_bgp_opens_received',
      'Number of BGP open messages received',
      SESSION,
    ),
    bgpNotificationsSent: counter(
      'metallb_bgp_notifications_sent',
      'Number of BGP notification messages sent',
      SESSION,
    ),
    bgpUpdatesReceived: counter(
      'metallb_bgp_updates_total_received',
      'Number of BGP UPDATE messages received',
      SESSION,
    ),
    bgpKeepalivesSent: counter(
      'metallb_bgp_keepalives_sent',
      'Number of BGP keepalive messages sent',
      SESSION,
    ),
    bgpKeepalivesReceived: counter(
      'metallb_bgp_keepalives_received',
      'Number of BGP keepalive messages received',
      SESSION,
    ),
    bgpRouteRefreshSent: counter(
      'metallb_bgp_route_refresh_sent',
      'Number of BGP route refresh messages sent',
      SESSION,
    ),
    bgpTotalSent: counter('metallb_bgp_total_sent', 'Number of total BGP messages sent', SESSION),
    bgpTotalReceived: counter(
      'metallb_bgp_total_received',
      'Number of total BGP messages received',
      SESSION,
    ),
    bfdSessionUp: gauge(
      'metallb_bfd_session_up',
      'BFD session state (1 is up, 0 is down)',
      SESSION,
    ),
    bfdControlPacketInput: counter(
      'metallb_bfd_control_packet_input',
      'Number of received BFD control packets',
      SESSION,
    ),
    bfdControlPacketOutput: counter(
      'metallb_bfd_control_packet_output',
      'Number of sent BFD control packets',
      SESSION,
    ),
    bfdEchoPacketInput: counter(
      'metallb_bfd_echo_packet_input',
      'Number of received BFD echo packets',
      SESSION,
    ),
    bfdEchoPacketOutput: counter(
      'metallb_bfd_echo_packet_output',
      'Number of sent BFD echo packets',
      SESSION,
    ),
    bfdSessionUpEvents: counter(
      'metallb_bfd_session_up_events',
      'Number of BFD session up events',
      SESSION,
    ),
    bfdSessionDownEvents: counter(
      'metallb_bfd_session_down_events',
      'Number of BFD session down events',
      SESSION,
    ),
    bfdZebraNotifications: counter(
      'metallb_bfd_zebra_notifications',
      'Number of BFD zebra notifications',
      SESSION,
    ),
    addressesInUse: gauge(
      'metallb_allocator_addresses_in_use_total',
      'Number of IP addresses in use, per pool',
      ['pool'],
    ),
    addressesTotal: gauge(
      'metallb_allocator_addresses_total',
      'Number of usable IP addresses, per pool',
      ['pool'],
    ),
    ipv4AddressesInUse: gauge(
      'metallb_allocator_ipv4_addresses_in_use_total',
      'Number of IPV4 addresses in use, per pool',
      ['pool'],
    ),
    ipv4AddressesTotal: gauge(
      'metallb_allocator_ipv4_addresses_total',
      'Number of usable IPV4 addresses, per pool',
      ['pool'],
    ),
    ipv6AddressesInUse: gauge(
      'metallb_allocator_ipv6_addresses_in_use_total',
      'Number of IPV6 addresses in use, per pool',
      ['pool'],
    ),
    ipv6AddressesTotal: gauge(
      'metallb_allocator_ipv6_addresses_total',
      'Number of usable IPV6 addresses, per pool',
      ['pool'],
    ),
    servicesAllocated: gauge(
      'metallb_allocator_services_allocated_total',
      'Number of services allocated, per pool',
      ['pool'],
    ),
  };
}

/** Sets the allocator gauges of one pool from its counters (as MetalLB's updatePoolStats). */
export function recordPoolMetrics(
  m: MetallbMetrics,
  pool: string,
  c: { assignedIPv4: bigint; assignedIPv6: bigint; availableIPv4: bigint; availableIPv6: bigint },
  services: number,
): void {
  const v4Total = c.availableIPv4 + c.assignedIPv4;
  const v6Total = c.availableIPv6 + c.assignedIPv6;
  m.addressesTotal.set({ pool }, Number(v4Total + v6Total));
  m.ipv4AddressesTotal.set({ pool }, Number(v4Total));
  m.ipv6AddressesTotal.set({ pool }, Number(v6Total));
  m.addressesInUse.set({ pool }, Number(c.assignedIPv4 + c.assignedIPv6));
  m.ipv4AddressesInUse.set({ pool }, Number(c.assignedIPv4));
  m.ipv6AddressesInUse.set({ pool }, Number(c.assignedIPv6));
  m.servicesAllocated.set({ pool }, services);
}
