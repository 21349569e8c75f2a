/**
 * The Prometheus metrics a MetalLB deployment exposes, with upstream's names, help texts,
 * types and labels, in a caller's prom-client Registry:
 * - the FRR collectors (metallb frr-tools/metrics/collector bgp.go, bfd.go; frr-k8s
 *   cmd/metrics/collector with the `frrk8s` namespace): one series per neighbor, read from the
 *   sessions at scrape time, so every counter is there at 0 from the moment a session exists;
 *   `vrf="default"` for the default VRF (the key of `show bgp vrf all json`); `peer` is
 *   `<ip>:<port>` for MetalLB's collector (`fmt.Sprintf("%s:%d", n.IP, n.Port)`) and the
 *   neighbor's address for frr-k8s's (`n.MetricName()`), the peer address for BFD;
 * - the speaker's `metallb_speaker_announced` and `metallb_layer2_*` (speaker/main.go,
 *   internal/layer2/stats.go), the controller's `metallb_allocator_*`
 *   (internal/allocator/stats.go), both pods' `metallb_k8s_client_*`
 *   (internal/k8s/controllers/stats.go);
 * - speakersim's own `speakersim_bfd_discarded_packets_total{reason}`: received BFD packets
 *   discarded per RFC 5880 6.8.6 rule (FRR exports no such counter).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BfdDiscardReason } from '../bfd/wire/discard.js';
import type { MessageTally } from './message-tally.js';

export { MessageTally } from './message-tally.js';

/** Whose names the FRR collectors use: MetalLB's frr-metrics sidecar or frr-k8s's. */
export type FrrMetricsNames = 'metallb' | 'frrk8s';

export interface BgpPeerSample {
  address: string;
  port: number;
  /** The BGPPeer's vrf; empty or absent for the default VRF. */
  vrf?: string;
  established: boolean;
  prefixesSent: number;
  prefixesReceived: number;
  messages: MessageTally;
}

export interface BfdPeerSample {
  address: string;
  vrf?: string;
  up: boolean;
  controlPacketsIn: number;
  controlPacketsOut: number;
  upEvents: number;
  downEvents: number;
}

export interface AnnouncedService {
  /** `namespace/name`, as MetalLB's speaker labels it. */
  service: string;
  protocol: 'bgp' | 'layer2';
  node: string;
  ip: string;
}

/** What a speaker's registry reads at each scrape. */
export interface SpeakerMetricsSource {
  bgp(): BgpPeerSample[];
  bfd(): BfdPeerSample[];
  announced(): AnnouncedService[];
  bfdDiscards(): Partial<Record<BfdDiscardReason, number>>;
}

/** The VRF label: FRR names the default VRF `default`. */
export function vrfLabel(vrf: string | undefined): string {
  return vrf ? vrf : 'default';
}

/** The `peer` label of the BGP series for each collector. */
export function bgpPeerLabel(names: FrrMetricsNames, address: string, port: number): string {
  return names === 'metallb' ? `${address}:${port}` : address;
}

const LABELS = ['peer', 'vrf'] as const;
type PeerLabels = (typeof LABELS)[number];

/** A gauge or counter whose series are recomputed at each scrape, like a Go const metric. */
function scraped(
  registry: Registry,
  type: 'gauge' | 'counter',
  name: string,
  help: string,
  values: () => [Record<PeerLabels, string>, number][],
): void {
  if (type === 'gauge') {
    new Gauge<PeerLabels>({
      name,
      help,
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset();
        for (const [l, v] of values()) this.set(l, v);
      },
    });
    return;
  }
  new Counter<PeerLabels>({
    name,
    help,
    labelNames: LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const [l, v] of values()) this.inc(l, v);
    },
  });
}

/** metallb_k8s_client_*: both pods count the configuration updates they process. */
export interface K8sClientMetrics {
  updates: Counter;
  updateErrors: Counter;
  configLoaded: Gauge;
  configStale: Gauge;
}

function k8sClientMetrics(registry: Registry): K8sClientMetrics {
  const registers = [registry];
  return {
    updates: new Counter({
      name: 'metallb_k8s_client_updates_total',
      help: 'Number of k8s object updates that have been processed.',
      registers,
    }),
    updateErrors: new Counter({
      name: 'metallb_k8s_client_update_errors_total',
      help: 'Number of k8s object updates that failed for some reason.',
      registers,
    }),
    configLoaded: new Gauge({
      name: 'metallb_k8s_client_config_loaded_bool',
      help: '1 if the MetalLB configuration was successfully loaded at least once.',
      registers,
    }),
    configStale: new Gauge({
      name: 'metallb_k8s_client_config_stale_bool',
      help: '1 if running on a stale configuration, because the latest config failed to load.',
      registers,
    }),
  };
}

/** Counts one configuration reconcile, as MetalLB's config reconciler does. */
export function recordConfigUpdate(m: K8sClientMetrics, ok: boolean, loaded: boolean): void {
  m.updates.inc();
  if (!ok) m.updateErrors.inc();
  m.configLoaded.set(loaded ? 1 : 0);
  m.configStale.set(!ok && loaded ? 1 : 0);
}

export interface SpeakerMetrics {
  k8sClient: K8sClientMetrics;
  layer2RequestsReceived: Counter<'ip'>;
  layer2ResponsesSent: Counter<'ip'>;
  layer2GratuitousSent: Counter<'ip'>;
}

/** One speaker pod's /metrics (with its FRR sidecar's, or frr-k8s's with `frrk8s`). */
export function createSpeakerMetrics(
  registry: Registry,
  source: SpeakerMetricsSource,
  names: FrrMetricsNames = 'metallb',
): SpeakerMetrics {
  type Kind = 'gauge' | 'counter';
  // [name after `<names>_bgp_`, type, help, value] in the order of the collectors' Describe.
  const bgp: [string, Kind, string, (s: BgpPeerSample) => number][] = [
    ['session_up', 'gauge', 'BGP session state (1 is up, 0 is down)', (s) => +s.established],
    [
      'announced_prefixes_total',
      'gauge',
      'Number of prefixes currently being advertised on the BGP session',
      (s) => s.prefixesSent,
    ],
    ...(names === 'frrk8s'
      ? ([
          [
            'received_prefixes_total',
            'gauge',
            'Number of prefixes currently being received on the BGP session',
            (s) => s.prefixesReceived,
          ],
        ] as [string, Kind, string, (s: BgpPeerSample) => number][])
      : []),
    // FRR's msgStats, one counter each.
    ...(
      [
        ['opens_sent', 'Number of BGP open messages sent', 'opensSent'],
        ['opens_received', 'Number of BGP open messages received', 'opensReceived'],
        ['notifications_sent', 'Number of BGP notification messages sent', 'notificationsSent'],
        ['updates_total', 'Number of BGP UPDATE messages sent', 'updatesSent'],
        ['updates_total_received', 'Number of BGP UPDATE messages received', 'updatesReceived'],
        ['keepalives_sent', 'Number of BGP keepalive messages sent', 'keepalivesSent'],
        ['keepalives_received', 'Number of BGP keepalive messages received', 'keepalivesReceived'],
        ['route_refresh_sent', 'Number of BGP route refresh messages sent', 'routeRefreshSent'],
        ['total_sent', 'Number of total BGP messages sent', 'totalSent'],
        ['total_received', 'Number of total BGP messages received', 'totalReceived'],
      ] as const
    ).map(
      ([name, help, key]) =>
        [name, 'counter', help, (s: BgpPeerSample) => s.messages[key]] as [
          string,
          Kind,
          string,
          (s: BgpPeerSample) => number,
        ],
    ),
  ];
  // Echo is never transmitted (README, known limits), so no echo packet is sent or received;
  // zebra tells bfdd of interface changes and the simulated node has none: those stay at 0.
  const bfd: [string, Kind, string, (s: BfdPeerSample) => number][] = [
    ['session_up', 'gauge', 'BFD session state (1 is up, 0 is down)', (s) => +s.up],
    [
      'control_packet_input',
      'counter',
      'Number of received BFD control packets',
      (s) => s.controlPacketsIn,
    ],
    [
      'control_packet_output',
      'counter',
      'Number of sent BFD control packets',
      (s) => s.controlPacketsOut,
    ],
    ['echo_packet_input', 'counter', 'Number of received BFD echo packets', () => 0],
    ['echo_packet_output', 'counter', 'Number of sent BFD echo packets', () => 0],
    ['session_up_events', 'counter', 'Number of BFD session up events', (s) => s.upEvents],
    ['session_down_events', 'counter', 'Number of BFD session down events', (s) => s.downEvents],
    ['zebra_notifications', 'counter', 'Number of BFD zebra notifications', () => 0],
  ];
  for (const [name, type, help, pick] of bgp) {
    scraped(registry, type, `${names}_bgp_${name}`, help, () =>
      source
        .bgp()
        .map((s) => [
          { peer: bgpPeerLabel(names, s.address, s.port), vrf: vrfLabel(s.vrf) },
          pick(s),
        ]),
    );
  }
  for (const [name, type, help, pick] of bfd) {
    scraped(registry, type, `${names}_bfd_${name}`, help, () =>
      source.bfd().map((s) => [{ peer: s.address, vrf: vrfLabel(s.vrf) }, pick(s)]),
    );
  }

  new Counter<'reason'>({
    name: 'speakersim_bfd_discarded_packets_total',
    help: 'Received BFD packets discarded, by RFC 5880 6.8.6 rule (speakersim; FRR has no such counter)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(source.bfdDiscards())) this.inc({ reason }, n ?? 0);
    },
  });

  new Gauge<'service' | 'protocol' | 'node' | 'ip'>({
    name: 'metallb_speaker_announced',
    help: 'Services being announced from this node. This is desired state, it does not guarantee that the routing protocols have converged.',
    labelNames: ['service', 'protocol', 'node', 'ip'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of source.announced()) this.set({ ...a }, 1);
    },
  });

  const registers = [registry];
  return {
    k8sClient: k8sClientMetrics(registry),
    layer2RequestsReceived: new Counter({
      name: 'metallb_layer2_requests_received',
      help: 'Number of layer2 requests received for owned IPs',
      labelNames: ['ip'],
      registers,
    }),
    layer2ResponsesSent: new Counter({
      name: 'metallb_layer2_responses_sent',
      help: 'Number of layer2 responses sent for owned IPs in response to requests',
      labelNames: ['ip'],
      registers,
    }),
    layer2GratuitousSent: new Counter({
      name: 'metallb_layer2_gratuitous_sent',
      help: 'Number of gratuitous layer2 packets sent for owned IPs as a result of failovers',
      labelNames: ['ip'],
      registers,
    }),
  };
}

export interface ControllerMetrics {
  k8sClient: K8sClientMetrics;
  addressesInUse: Gauge<'pool'>;
  addressesTotal: Gauge<'pool'>;
  ipv4AddressesInUse: Gauge<'pool'>;
  ipv4AddressesTotal: Gauge<'pool'>;
  ipv6AddressesInUse: Gauge<'pool'>;
  ipv6AddressesTotal: Gauge<'pool'>;
  servicesAllocated: Gauge<'pool'>;
}

/** The controller pod's /metrics. */
export function createControllerMetrics(registry: Registry): ControllerMetrics {
  const registers = [registry];
  const pool = (name: string, help: string) =>
    new Gauge<'pool'>({ name, help, labelNames: ['pool'], registers });
  return {
    k8sClient: k8sClientMetrics(registry),
    addressesTotal: pool(
      'metallb_allocator_addresses_total',
      'Number of usable IP addresses, per pool',
    ),
    ipv4AddressesTotal: pool(
      'metallb_allocator_ipv4_addresses_total',
      'Number of usable IPV4 addresses, per pool',
    ),
    ipv6AddressesTotal: pool(
      'metallb_allocator_ipv6_addresses_total',
      'Number of usable IPV6 addresses, per pool',
    ),
    addressesInUse: pool(
      'metallb_allocator_addresses_in_use_total',
      'Number of IP addresses in use, per pool',
    ),
    ipv4AddressesInUse: pool(
      'metallb_allocator_ipv4_addresses_in_use_total',
      'Number of IPV4 addresses in use, per pool',
    ),
    ipv6AddressesInUse: pool(
      'metallb_allocator_ipv6_addresses_in_use_total',
      'Number of IPV6 addresses in use, per pool',
    ),
    servicesAllocated: pool(
      'metallb_allocator_services_allocated_total',
      'Number of services allocated, per pool',
    ),
  };
}

/** Sets the allocator gauges of one pool from its counters (as MetalLB's updatePoolStats). */
export function recordPoolMetrics(
  m: ControllerMetrics,
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

/** A deleted pool's series go (deleteStatsFor). */
export function forgetPoolMetrics(m: ControllerMetrics, pool: string): void {
  for (const g of [
    m.addressesTotal,
    m.ipv4AddressesTotal,
    m.ipv6AddressesTotal,
    m.addressesInUse,
    m.ipv4AddressesInUse,
    m.ipv6AddressesInUse,
    m.servicesAllocated,
  ])
    g.remove({ pool });
}
