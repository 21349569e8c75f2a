/**
 * `run --kubeconfig`: writes the status CRs speakersim produces (BGPSessionState,
 * FRRNodeState, ServiceBGPStatus, ServiceL2Status, ConfigurationState) into an existing
 * cluster as well, through that cluster's kubeconfig only. The scenario's own objects (Nodes,
 * Services, MetalLB configuration) stay in the embedded API server the runner drives, so the
 * cluster only gains status objects; the CRDs from crds/ must be applied there first.
 *
 * Each object is written with server-side apply (object, then its status subresource) under
 * one field manager, without uid-bound fields (ownerReferences would point at objects the
 * cluster does not have, and its garbage collector would delete the copies). Writes go out in
 * order through one queue; `close` waits for them.
 */
import { SpeakersimError } from '../../core/errors.js';
import type { KubeClient, KubeResource } from '../../k8s/client.js';

export const MIRRORED_KINDS = [
  ['frrk8s.metallb.io/v1beta1', 'BGPSessionState'],
  ['frrk8s.metallb.io/v1beta1', 'FRRNodeState'],
  ['metallb.io/v1beta1', 'ServiceBGPStatus'],
  ['metallb.io/v1beta1', 'ServiceL2Status'],
  ['metallb.io/v1beta1', 'ConfigurationState'],
] as const;

const FIELD_MANAGER = 'speakersim';
/** How long `close` waits for the cluster to take the last writes. */
export const CLOSE_WAIT_MS = 5_000;

export class StatusMirrorError extends SpeakersimError {
  constructor(
    code: 'ERR_SCENARIO_CLUSTER_CRD_MISSING' | 'ERR_SCENARIO_CLUSTER_UNREACHABLE',
    message: string,
  ) {
    super(code, message);
  }
}

/** The object as the cluster should get it: names, labels and spec; no server-owned fields. */
function portable(obj: KubeResource): KubeResource {
  const md = obj.metadata ?? {};
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: md.name,
      ...(md.namespace ? { namespace: md.namespace } : {}),
      ...(md.labels ? { labels: md.labels } : {}),
    },
    ...(obj['spec'] !== undefined ? { spec: obj['spec'] } : {}),
  } as KubeResource;
}

/**
 * Checks that the cluster in --kubeconfig answers and serves every one of `kinds` (its CRDs
 * applied), and creates the namespaces the objects go into.
 */
export async function prepareCluster(
  target: KubeClient,
  kinds: readonly (readonly [string, string])[],
  namespaces: string[],
): Promise<void> {
  for (const [apiVersion, kind] of kinds) {
    try {
      await target.list(apiVersion, kind, { pageSize: 1 });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      const unreachable = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|fetch failed/.test(why);
      throw new StatusMirrorError(
        unreachable ? 'ERR_SCENARIO_CLUSTER_UNREACHABLE' : 'ERR_SCENARIO_CLUSTER_CRD_MISSING',
        unreachable
          ? `the cluster in --kubeconfig does not answer: ${why}`
          : `the cluster in --kubeconfig does not serve ${kind} (${apiVersion}): apply the CRDs first (kubectl apply -f crds/): ${why}`,
      );
    }
  }
  for (const ns of namespaces) {
    const ref = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
    if (!(await target.get(ref))) await target.create(ref as KubeResource);
  }
}

export class StatusMirror {
  private queue: Promise<void> = Promise.resolve();
  private readonly stops: (() => void)[] = [];
  /** Objects written to the cluster. */
  written = 0;

  private constructor(
    private readonly target: KubeClient,
    private readonly onProblem: (message: string) => void,
  ) {}

  /**
   * Checks that the cluster serves every mirrored kind, creates the namespaces, and starts
   * copying what `source` (the embedded API server) shows.
   */
  static async start(
    source: KubeClient,
    target: KubeClient,
    namespaces: string[],
    onProblem: (message: string) => void,
  ): Promise<StatusMirror> {
    await prepareCluster(target, MIRRORED_KINDS, namespaces);
    const mirror = new StatusMirror(target, onProblem);
    for (const [apiVersion, kind] of MIRRORED_KINDS) {
      mirror.stops.push(
        await source.watch(apiVersion, kind, {}, (type, obj) => {
          if (type === 'ADDED' || type === 'MODIFIED') mirror.enqueue(() => mirror.write(obj));
          else if (type === 'DELETED') mirror.enqueue(() => mirror.remove(obj));
        }),
      );
    }
    return mirror;
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((e: unknown) => {
      this.onProblem(`status to the cluster: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  private async write(obj: KubeResource): Promise<void> {
    const body = portable(obj);
    await this.target.apply(body, { fieldManager: FIELD_MANAGER, force: true });
    if (obj['status'] !== undefined) {
      await this.target.applyStatus(
        {
          apiVersion: body.apiVersion,
          kind: body.kind,
          metadata: body.metadata,
          status: obj['status'],
        } as KubeResource,
        { fieldManager: FIELD_MANAGER, force: true },
      );
    }
    this.written++;
  }

  private async remove(obj: KubeResource): Promise<void> {
    await this.target.delete(portable(obj));
  }

  /** Waits for the writes queued so far. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /**
   * Stops copying after the writes queued so far, waiting at most `waitMs` (real time: the
   * cluster is a real server) so that a cluster that hangs cannot keep a run or a lab from
   * ending; what was not written is reported.
   */
  async close(waitMs = CLOSE_WAIT_MS): Promise<void> {
    for (const stop of this.stops.splice(0)) {
      try {
        stop();
      } catch {
        // Already ended.
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.flush().then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (!done)
      this.onProblem(
        `status to the cluster: the cluster did not answer within ${waitMs} ms; it may not show the last state`,
      );
  }
}
