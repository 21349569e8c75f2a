/**
 * The writer side of one node's BGPSessionState objects (frr-k8s's frr-status): a queue of the
 * (BGP state, BFD status) values each peer went through, written one at a time and in order, so
 * that a watcher sees every transition. Owns the queue, the objects already written and the
 * poll timer; the sessions themselves belong to PeerSessions (peer-sessions.ts).
 *
 * Event-driven by default (every BGP FSM transition and BFD state change is queued); with
 * `pollIntervalMs` > 0 it looks at each session once per interval instead, as frr-status does.
 */
import type { Clock, Timer } from '../../core/clock.js';
import type { KubeClient, KubeResource, ObjectRef } from '../../k8s/client.js';
import { bfdSessionStatus } from '../bfd-profile.js';
import type { ParsedPeer } from '../config.js';
import { bgpSessionStateObject, sessionPeerName, SESSION_STATE_LABELS } from '../session-state.js';
import type { PeerRuntime } from './peer-sessions.js';
import { withOwner, type NodePodOwners } from './pods.js';
import { sameJson, type StatusWriter } from './writer.js';

interface SessionSnapshot {
  bgpState: string;
  bfdStatus: string | undefined;
}

export interface SessionStateQueueOptions {
  node: string;
  frrK8sNamespace: string;
  /** 0: write on every change; > 0: poll like frr-k8s (2 min there). */
  pollIntervalMs: number;
  owners?: () => NodePodOwners;
}

export interface SessionStateQueueDeps {
  client: KubeClient;
  writer: StatusWriter;
  clock: Clock;
  /** The node's current peers by BGPPeer name (PeerSessions). */
  peers(): ReadonlyMap<string, PeerRuntime>;
  problem(error: unknown): void;
}

export class SessionStateQueue {
  /**
   * BGPSessionState values waiting to be written, per peer, in the order they happened: a BFD
   * Down and the BGP teardown it causes in the same instant are written as two changes.
   */
  private readonly dirty = new Map<string, SessionSnapshot[]>();
  /** BGPSessionStates this speaker wrote, by `address|vrf`, with the status last written. */
  private readonly written = new Map<string, { ref: ObjectRef; status: unknown }>();
  private flushing: Promise<void> | undefined;
  private pollTimer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly options: SessionStateQueueOptions,
    private readonly deps: SessionStateQueueDeps,
  ) {
    if (options.pollIntervalMs > 0) this.schedulePoll();
  }

  /** True while writes are queued or running. */
  get busy(): boolean {
    return this.flushing !== undefined || this.dirty.size > 0;
  }

  /** A peer's BGP or BFD state changed: queue it and write (event-driven mode only). */
  changed(name: string): void {
    if (this.options.pollIntervalMs > 0) return;
    this.enqueue(name);
    void this.flush();
  }

  /** Queue every peer's current state (after a reconcile). */
  markAll(): void {
    if (this.options.pollIntervalMs > 0) return;
    for (const n of this.deps.peers().keys()) this.enqueue(n);
    void this.flush();
  }

  /** Writes nothing more. */
  stop(): void {
    this.stopped = true;
    this.pollTimer?.cancel();
  }

  /** Queues the peer's current BGP and BFD status for writing (no-op when unchanged). */
  private enqueue(name: string): void {
    const rt = this.deps.peers().get(name);
    if (!rt) return;
    const snap = sessionStatus(rt);
    const q = this.dirty.get(name) ?? [];
    const last = q.at(-1);
    if (last && last.bgpState === snap.bgpState && last.bfdStatus === snap.bfdStatus) return;
    q.push(snap);
    this.dirty.set(name, q);
  }

  private schedulePoll(): void {
    this.pollTimer = this.deps.clock.setTimer(this.options.pollIntervalMs, () => {
      if (this.stopped) return;
      // Like frr-status: one look at each session per poll, whatever happened between.
      for (const n of this.deps.peers().keys()) {
        this.dirty.delete(n);
        this.enqueue(n);
      }
      void this.flush();
      this.schedulePoll();
    });
  }

  /** Writes dirty BGPSessionStates one at a time, in order; later changes coalesce. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.dirty.size === 0 || this.stopped) return Promise.resolve();
    const run = async (): Promise<void> => {
      // Let the synchronous caller finish first, so `flushing` is set before the loop can end.
      await Promise.resolve();
      while (this.dirty.size > 0 && !this.stopped) {
        const name = [...this.dirty.keys()].sort()[0]!;
        const q = this.dirty.get(name)!;
        const snap = q.shift();
        if (q.length === 0) this.dirty.delete(name);
        const rt = this.deps.peers().get(name);
        if (rt && snap) await this.write(rt, snap);
      }
    };
    this.flushing = run().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async existing(peer?: ParsedPeer): Promise<KubeResource[]> {
    const labels = [`${SESSION_STATE_LABELS.node}=${this.options.node}`];
    if (peer?.address) labels.push(`${SESSION_STATE_LABELS.peer}=${sessionPeerName(peer.address)}`);
    try {
      return await this.deps.client.list('frrk8s.metallb.io/v1beta1', 'BGPSessionState', {
        namespace: this.options.frrK8sNamespace,
        labelSelector: labels.join(','),
      });
    } catch (error) {
      this.deps.problem(error);
      return [];
    }
  }

  private async write(rt: PeerRuntime, s: SessionSnapshot): Promise<void> {
    if (!rt.parsed.address) return;
    const writer = this.deps.writer;
    const want = bgpSessionStateObject(
      {
        node: this.options.node,
        peer: rt.parsed.address,
        vrf: rt.parsed.vrf,
        bgpState: s.bgpState,
        bfdStatus: s.bfdStatus,
      },
      this.options.frrK8sNamespace,
    );
    // The object this speaker last wrote for the key: patched directly, without a list per
    // transition (a list and a patch per write made 1,000 sessions' states lag by seconds).
    const key = `${rt.parsed.address}|${rt.parsed.vrf ?? ''}`;
    const known = this.written.get(key);
    if (known) {
      if (sameJson(known.status, want.status)) return;
      if (await writer.patchExistingStatus(known.ref, { status: want.status })) {
        known.status = want.status;
        return;
      }
      // Gone (deleted by hand) or refused: forget it and take the full path below.
      this.written.delete(key);
    }
    const existing = (await this.existing(rt.parsed)).filter(
      (o) =>
        (o.metadata?.labels?.[SESSION_STATE_LABELS.vrf] ?? '') ===
        (want.metadata.labels?.[SESSION_STATE_LABELS.vrf] ?? ''),
    );
    const [first, ...duplicates] = existing;
    // frr-status deletes duplicates of a (node, vrf, neighbor) key.
    for (const d of duplicates) await writer.delete(d);
    const remember = (o: KubeResource | undefined): void => {
      const name = o?.metadata?.name;
      if (!o || !name) return;
      const ref = {
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name, namespace: o.metadata?.namespace },
      };
      this.written.set(key, { ref, status: want.status });
    };
    if (!first) {
      const owned = withOwner(want, this.options.owners?.().frrK8s);
      remember(await writer.createWithStatus(owned as unknown as KubeResource));
      return;
    }
    if (!sameJson((first as { status?: unknown }).status ?? {}, want.status)) {
      if (!(await writer.patchStatus(first, { status: want.status }))) return;
    }
    remember(first);
  }

  /** The peer is gone: its BGPSessionStates are deleted. */
  async remove(peer: ParsedPeer): Promise<void> {
    if (!peer.address) return;
    this.written.delete(`${peer.address}|${peer.vrf ?? ''}`);
    for (const o of await this.existing(peer)) await this.deps.writer.delete(o);
  }
}

/** What `show bgp neighbors json` would say for this peer, as frr-status maps it (§3, §17). */
function sessionStatus(rt: PeerRuntime): SessionSnapshot {
  const bgpState = rt.neighbor?.session.state ?? 'Idle';
  if (!rt.parsed.bfdProfile) return { bgpState, bfdStatus: undefined };
  return { bgpState, bfdStatus: bfdSessionStatus(true, rt.neighbor?.bfd?.state) };
}
