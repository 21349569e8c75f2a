/**
 * The service status side of one MetalLB speaker: ServiceBGPStatus per (Service, node) for the
 * BGP announcements, ServiceL2Status per Service for the node the L2 election picks, and the
 * services the node announces (metallb_speaker_announced). Owns those objects' writes and the
 * announced list; the plans come from announce.ts and l2.ts.
 */
import type { KubeClient, KubeResource } from '../../k8s/client.js';
import { SERVICE_BGP_STATUS_LABELS, serviceBgpStatusObject, type BgpPlan } from '../announce.js';
import type { MetallbConfig } from '../config.js';
import { formatIP } from '../ip.js';
import { planL2, serviceL2StatusObject, type DesiredServiceL2Status } from '../l2.js';
import type { AnnouncedService } from '../metrics.js';
import { ingressIPs } from '../service-ip.js';
import type { ServiceBGPStatus, ServiceL2Status } from '../types.js';
import type { ClusterCache } from './cache.js';
import { hasOwner, withOwner, type NodePodOwners } from './pods.js';
import { sameJson, type StatusWriter } from './writer.js';

export interface ServiceStatusOptions {
  node: string;
  metallbNamespace: string;
  /** Nodes with a live speaker (the L2 election's memberlist); default: every Node. */
  speakerNodes?: () => string[];
  owners?: () => NodePodOwners;
}

export class ServiceStatuses {
  /** Services this node announces (metallb_speaker_announced), by protocol. */
  private announcedList: AnnouncedService[] = [];

  constructor(
    private readonly options: ServiceStatusOptions,
    private readonly client: KubeClient,
    private readonly cache: ClusterCache,
    private readonly writer: StatusWriter,
    private readonly problem: (error: unknown) => void,
  ) {}

  private get node(): string {
    return this.options.node;
  }

  /** The services this node announces, one entry per IP and protocol. */
  get announced(): AnnouncedService[] {
    return [...this.announcedList];
  }

  /**
   * The Services this node leads in L2 mode (the election, §6), recorded as announced; no I/O,
   * so the speaker can put them on the wire before it writes any status, as MetalLB's
   * SetBalancer runs before its status controller.
   */
  planL2(config: MetallbConfig): DesiredServiceL2Status[] {
    const desired = planL2({
      config,
      nodes: this.cache.nodes(),
      services: this.cache.services(),
      endpointSlices: this.cache.endpointSlices(),
      ...(this.options.speakerNodes ? { speakerNodes: this.options.speakerNodes() } : {}),
    }).filter((d) => d.node === this.node);
    this.setAnnounced('layer2', desired);
    return desired;
  }

  /** ServiceBGPStatus and ServiceL2Status for one reconcile's plan and L2 election. */
  async write(plan: BgpPlan, l2: DesiredServiceL2Status[]): Promise<void> {
    await this.writeServiceStatuses(plan);
    await this.writeL2Statuses(l2);
  }

  /** metallb_speaker_announced: the services this node announces, one series per IP. */
  private setAnnounced(
    protocol: AnnouncedService['protocol'],
    services: { serviceName: string; serviceNamespace: string }[],
  ): void {
    const byKey = new Map(
      this.cache.services().map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]),
    );
    const next = this.announcedList.filter((a) => a.protocol !== protocol);
    for (const d of services) {
      const key = `${d.serviceNamespace}/${d.serviceName}`;
      const svc = byKey.get(key);
      if (!svc) continue;
      for (const ip of ingressIPs(svc))
        next.push({ service: key, protocol, node: this.node, ip: formatIP(ip) });
    }
    this.announcedList = next;
  }

  private async writeServiceStatuses(plan: BgpPlan): Promise<void> {
    const desired = plan.statuses.filter((s) => s.node === this.node);
    this.setAnnounced('bgp', desired);
    // Deleted when no peer remains for the (Service, node) (§5).
    await this.syncServiceStatuses(
      'ServiceBGPStatus',
      desired.map((d) => serviceBgpStatusObject(d, this.options.metallbNamespace)),
    );
  }

  /** ServiceL2Status: one per Service, written by the node the L2 election picks (§6). */
  private async writeL2Statuses(desired: DesiredServiceL2Status[]): Promise<void> {
    await this.syncServiceStatuses(
      'ServiceL2Status',
      desired.map((d) => serviceL2StatusObject(d, this.options.metallbNamespace)),
      true,
    );
  }

  /**
   * Makes this node's Service*Status objects exactly `wanted`: created (generateName, owned by
   * the speaker pod), status patched on change, duplicates and leftovers deleted. Keyed by the
   * service labels. `leader` (L2): the node also deletes other nodes' objects for the Services
   * it announces, as layer2_status_controller.go does, so one object per Service remains.
   */
  private async syncServiceStatuses(
    kind: 'ServiceBGPStatus' | 'ServiceL2Status',
    wanted: (ServiceBGPStatus | ServiceL2Status)[],
    leader = false,
  ): Promise<void> {
    let listed: KubeResource[];
    try {
      listed = await this.client.list('metallb.io/v1beta1', kind, {
        namespace: this.options.metallbNamespace,
        ...(leader ? {} : { labelSelector: `${SERVICE_BGP_STATUS_LABELS.node}=${this.node}` }),
      });
    } catch (error) {
      this.problem(error);
      return;
    }
    const mine = (o: KubeResource): boolean =>
      o.metadata?.labels?.[SERVICE_BGP_STATUS_LABELS.node] === this.node;
    const existing = listed.filter(mine);
    const owner = this.options.owners?.().speaker;
    const keyOf = (o: { metadata?: { labels?: Record<string, string> } }): string => {
      const l = o.metadata?.labels ?? {};
      return `${l[SERVICE_BGP_STATUS_LABELS.serviceNamespace] ?? ''}/${l[SERVICE_BGP_STATUS_LABELS.serviceName] ?? ''}`;
    };
    const byKey = new Map<string, KubeResource[]>();
    for (const o of existing) byKey.set(keyOf(o), [...(byKey.get(keyOf(o)) ?? []), o]);
    const wantedKeys = new Set(wanted.map(keyOf));
    for (const other of listed) {
      if (!mine(other) && wantedKeys.has(keyOf(other))) await this.writer.delete(other);
    }
    for (const want of wanted) {
      const k = keyOf(want);
      const [have, ...dups] = byKey.get(k) ?? [];
      byKey.delete(k);
      for (const x of dups) await this.writer.delete(x);
      if (!have) {
        await this.writer.createWithStatus(withOwner(want, owner) as unknown as KubeResource);
        continue;
      }
      // Written before the pod existed (or by an earlier pod): CreateOrPatch sets the owner.
      if (owner && !hasOwner(have, owner))
        await this.writer.patch(have, { metadata: { ownerReferences: [owner] } });
      if (!sameJson((have as { status?: unknown }).status ?? {}, want.status))
        await this.writer.patchStatus(have, { status: want.status });
    }
    for (const gone of byKey.values()) for (const o of gone) await this.writer.delete(o);
  }
}
