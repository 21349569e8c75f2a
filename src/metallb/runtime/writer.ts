/**
 * Every write the MetalLB model makes, through the Kubernetes client: patches only when
 * something changed (as frr-k8s and MetalLB do), creation with generateName, Events. A failed
 * write (a conflict, an object deleted meanwhile) is reported and left to the next reconcile;
 * it never throws into a reconciler.
 */
import {
  KubeClientError,
  type KubeClient,
  type KubeResource,
  type ObjectRef,
} from '../../k8s/client.js';
import type { ClusterResources, ConfigurationState } from '../types.js';
import { configurationStateObject, type ConfigView } from '../validate.js';
import { METALLB_NAMESPACE } from '../types.js';
import { jsonEqual, stableJson } from '../../core/stable-json.js';

type ConfigStatus = NonNullable<ConfigurationState['status']>;

/** Equal as JSON data, whatever the key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return jsonEqual(a, b);
}

/**
 * What MetalLB's configuration is built from, without bookkeeping fields (resourceVersion,
 * managedFields, status), so that status writes do not count as configuration changes.
 */
export function configInputKey(r: ClusterResources): string {
  const strip = (o: {
    metadata?: { name?: string; namespace?: string; labels?: unknown };
    spec?: unknown;
    data?: unknown;
    type?: unknown;
  }) => ({
    n: o.metadata?.name,
    ns: o.metadata?.namespace,
    l: o.metadata?.labels ?? {},
    s: o.spec ?? null,
    d: o.data ?? null,
    t: o.type ?? null,
  });
  return stableJson({
    pools: r.pools.map(strip),
    peers: r.peers.map(strip),
    bfd: r.bfdProfiles.map(strip),
    bgpAdv: r.bgpAdvertisements.map(strip),
    l2Adv: r.l2Advertisements.map(strip),
    communities: r.communities.map(strip),
    secrets: Object.values(r.passwordSecrets).map(strip),
    nodes: r.nodes.map(strip),
    namespaces: r.namespaces.map(strip),
  });
}

export interface WriteProblem {
  what: string;
  error: unknown;
}

export class StatusWriter {
  /** Writes made (for metrics and tests). */
  writes = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly onProblem: (p: WriteProblem) => void,
    private readonly namespace = METALLB_NAMESPACE,
  ) {}

  private async attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      const r = await fn();
      this.writes++;
      return r;
    } catch (error) {
      this.onProblem({ what, error });
      return undefined;
    }
  }

  patch(ref: ObjectRef, body: unknown): Promise<KubeResource | undefined> {
    return this.attempt(`patch ${describe(ref)}`, () => this.client.patch(ref, body, 'merge'));
  }

  patchStatus(ref: ObjectRef, body: unknown): Promise<KubeResource | undefined> {
    return this.attempt(`patch status ${describe(ref)}`, () =>
      this.client.patchStatus(ref, body, 'merge'),
    );
  }

  /**
   * patchStatus of an object that may have been deleted meanwhile: false when it is gone
   * (not a problem: the caller recreates it) or the write failed (reported).
   */
  async patchExistingStatus(ref: ObjectRef, body: unknown): Promise<boolean> {
    try {
      await this.client.patchStatus(ref, body, 'merge');
      this.writes++;
      return true;
    } catch (error) {
      if (!(error instanceof KubeClientError && error.httpCode === 404)) {
        this.onProblem({ what: `patch status ${describe(ref)}`, error });
      }
      return false;
    }
  }

  create<T extends KubeResource>(obj: T): Promise<T | undefined> {
    return this.attempt(`create ${describe(obj)}`, () => this.client.create(obj));
  }

  /** Creates the object, then writes its status through the status subresource (§1). */
  async createWithStatus<T extends KubeResource>(obj: T): Promise<T | undefined> {
    const { status, ...rest } = obj as T & { status?: unknown };
    const created = await this.create(rest as T);
    if (!created || status === undefined) return created;
    const ref = {
      apiVersion: created.apiVersion,
      kind: created.kind,
      metadata: { name: created.metadata?.name, namespace: created.metadata?.namespace },
    };
    return (await this.patchStatus(ref, { status })) as T | undefined;
  }

  delete(ref: ObjectRef): Promise<boolean | undefined> {
    return this.attempt(`delete ${describe(ref)}`, () => this.client.delete(ref));
  }

  /** ConfigurationState `controller` or `speaker-<node>`: created on first use, status kept current. */
  async configurationState(view: ConfigView, status: ConfigStatus): Promise<void> {
    const obj = configurationStateObject(view, status, this.namespace) as unknown as KubeResource;
    const ref = {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'ConfigurationState',
      metadata: { name: obj.metadata?.name, namespace: this.namespace },
    };
    const current = await this.attempt(`get ${describe(ref)}`, () => this.client.get(ref));
    if (!current) {
      await this.createWithStatus(obj);
      return;
    }
    if (sameJson((current as { status?: unknown }).status ?? {}, status)) return;
    // Conditions are a list keyed by type: replace the whole status so stale fields go.
    await this.patchStatus(ref, {
      status: {
        conditions: status.conditions,
        result: status.result,
        errorSummary: status.errorSummary ?? null,
      },
    });
  }

  /** A core v1 Event about `about`, as `kubectl describe` and `kubectl get events` show them. */
  event(
    about:
      | KubeResource
      | {
          apiVersion?: string;
          kind?: string;
          metadata: { name?: string; namespace?: string; uid?: string };
        },
    type: string,
    reason: string,
    message: string,
    component: string,
    time: string,
  ) {
    const ns = about.metadata?.namespace ?? 'default';
    return this.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${about.metadata?.name ?? 'speakersim'}.`, namespace: ns },
      involvedObject: {
        apiVersion: about.apiVersion,
        kind: about.kind,
        name: about.metadata?.name,
        namespace: ns,
        uid: about.metadata?.uid,
      },
      type,
      reason,
      message,
      source: { component },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
      reportingComponent: component,
    } as KubeResource);
  }
}

function describe(ref: ObjectRef): string {
  const ns = ref.metadata?.namespace ? `${ref.metadata.namespace}/` : '';
  return `${ref.kind ?? '?'} ${ns}${ref.metadata?.name ?? ''}`;
}
