/**
 * MetalLB's controller, level-triggered: on any change to its inputs it rebuilds the picture
 * from the cache and writes only what differs — Service status.loadBalancer and the
 * metallb.io/ip-allocated-from-pool annotation, IPAddressPool status, Events, and the
 * ConfigurationState `controller` (condition poolReconcilerValid).
 */
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import { Allocator } from '../allocator.js';
import {
  applyConverge,
  convergeService,
  restoreAllocations,
  type ConvergeResult,
} from '../converge.js';
import { poolStatusFromCounters } from '../pool.js';
import {
  forgetPoolMetrics,
  recordConfigUpdate,
  recordPoolMetrics,
  type ControllerMetrics,
} from '../metrics.js';
import { ANNOTATION, serviceKey } from '../service-ip.js';
import type { IPAddressPool, Service } from '../types.js';
import { LastValidConfig, rfc3339 } from '../validate.js';
import type { ClusterCache } from './cache.js';
import type { StatusWriter } from './writer.js';
import { configInputKey, sameJson } from './writer.js';

export class MetallbController {
  private readonly allocator: Allocator;
  private readonly lastValid = new LastValidConfig({ component: 'controller' });
  private configKey: string | undefined;
  private restored = false;
  /** Last event message posted per Service, so a pending Service does not flood Events. */
  private readonly lastEvent = new Map<string, string>();
  private known = new Set<string>();
  /** Pools with allocator series, so a deleted pool's go too. */
  private readonly measuredPools = new Set<string>();

  constructor(
    private readonly cache: ClusterCache,
    private readonly writer: StatusWriter,
    private readonly clock: Clock,
    random: Random,
    private readonly metrics?: ControllerMetrics,
  ) {
    this.allocator = new Allocator(random);
  }

  async reconcile(): Promise<void> {
    const resources = this.cache.resources();
    const key = configInputKey(resources);
    if (key !== this.configKey) {
      this.configKey = key;
      const r = this.lastValid.apply(resources, this.clock.wallNow());
      if (this.metrics)
        recordConfigUpdate(this.metrics.k8sClient, !r.error, r.config !== undefined);
      await this.writer.configurationState({ component: 'controller' }, r.status);
      if (r.config) this.allocator.setPools(r.config);
    }
    const config = this.lastValid.config;
    if (!config) return;
    const havePools = config.pools.size > 0;
    const services = this.cache.services();
    let results: Map<string, ConvergeResult>;
    if (!this.restored) {
      this.restored = true;
      results = restoreAllocations(this.allocator, services, havePools);
    } else {
      results = new Map();
      for (const svc of [...services].sort((a, b) => (serviceKey(a) < serviceKey(b) ? -1 : 1))) {
        results.set(serviceKey(svc), convergeService(this.allocator, svc, havePools));
      }
    }
    const present = new Set(results.keys());
    for (const gone of this.known) {
      if (!present.has(gone)) {
        // Released on delete (MetalLB's controller deletes the allocation with the Service).
        this.allocator.unassign(gone);
        this.lastEvent.delete(gone);
      }
    }
    this.known = present;
    for (const svc of services) {
      const r = results.get(serviceKey(svc));
      if (r) await this.writeService(svc, r);
    }
    await this.writePools(resources.pools);
  }

  private async writeService(svc: Service, r: ConvergeResult): Promise<void> {
    const want = applyConverge(svc, r);
    const ref = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace },
    };
    const haveAnn = svc.metadata.annotations?.[ANNOTATION.ipAllocatedFromPool];
    const wantAnn = want.metadata.annotations?.[ANNOTATION.ipAllocatedFromPool];
    if (haveAnn !== wantAnn) {
      await this.writer.patch(ref, {
        metadata: { annotations: { [ANNOTATION.ipAllocatedFromPool]: wantAnn ?? null } },
      });
    }
    const haveLb = svc.status?.loadBalancer ?? {};
    const wantLb = want.status?.loadBalancer ?? {};
    if (!sameJson(haveLb, wantLb)) {
      // A merge patch cannot drop list items; send the whole loadBalancer with ingress null when empty.
      const lb = r.ingress.length ? wantLb : { ingress: null };
      await this.writer.patchStatus(ref, { status: { loadBalancer: lb } });
    }
    for (const e of r.events) {
      const k = serviceKey(svc);
      if (this.lastEvent.get(k) === `${e.reason}:${e.message}`) continue;
      this.lastEvent.set(k, `${e.reason}:${e.message}`);
      await this.writer.event(
        svc,
        e.type,
        e.reason,
        e.message,
        'metallb-controller',
        rfc3339(this.clock.wallNow()),
      );
    }
  }

  private async writePools(pools: IPAddressPool[]): Promise<void> {
    const seen = new Set<string>();
    for (const pool of pools) {
      const counters = this.allocator.countersForPool(pool.metadata.name!);
      if (!counters) continue;
      seen.add(pool.metadata.name!);
      if (this.metrics) {
        // MetalLB's allocator updates these on every assignment and release (updatePoolStats).
        const services = this.allocator.servicesInPool(pool.metadata.name!);
        recordPoolMetrics(this.metrics, pool.metadata.name!, counters, services);
        this.measuredPools.add(pool.metadata.name!);
      }
      const status = poolStatusFromCounters(counters);
      if (sameJson(pool.status ?? {}, status)) continue;
      await this.writer.patchStatus(
        {
          apiVersion: 'metallb.io/v1beta1',
          kind: 'IPAddressPool',
          metadata: { name: pool.metadata.name, namespace: pool.metadata.namespace },
        },
        { status },
      );
    }
    for (const gone of [...this.measuredPools].filter((p) => !seen.has(p))) {
      if (this.metrics) forgetPoolMetrics(this.metrics, gone);
      this.measuredPools.delete(gone);
    }
  }
}
