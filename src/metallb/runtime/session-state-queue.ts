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
import type { KubeClient } from '../../k8s/client.js';
import { bfdSessionStatus } from '../bfd-profile.js';
import type { ParsedPeer } from '../config.js';
import type { PeerRuntime } from './peer-sessions.js';
import { withOwner, type NodePodOwners } from './pods.js';
import { SessionStates } from './session-states.js';
import type { StatusWriter } from './writer.js';

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
  /** The objects themselves (create, patch on change, duplicates, delete). */
  private readonly states: SessionStates;
  private flushing: Promise<void> | undefined;
  private pollTimer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly options: SessionStateQueueOptions,
    private readonly deps: SessionStateQueueDeps,
  ) {
    this.states = new SessionStates(deps.client, deps.writer, {
      node: options.node,
      namespace: options.frrK8sNamespace,
      decorate: (o) => withOwner(o, options.owners?.().frrK8s),
      onProblem: (error) => deps.problem(error),
    });
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

  private async write(rt: PeerRuntime, s: SessionSnapshot): Promise<void> {
    if (!rt.parsed.address) return;
    await this.states.write({
      peer: rt.parsed.address,
      vrf: rt.parsed.vrf,
      bgpState: s.bgpState,
      bfdStatus: s.bfdStatus,
    });
  }

  /** The peer is gone: its BGPSessionStates are deleted. */
  async remove(peer: ParsedPeer): Promise<void> {
    if (!peer.address) return;
    await this.states.delete(peer.address, peer.vrf);
  }
}

/** What `show bgp neighbors json` would say for this peer, as frr-status maps it (§3, §17). */
function sessionStatus(rt: PeerRuntime): SessionSnapshot {
  const bgpState = rt.neighbor?.session.state ?? 'Idle';
  if (!rt.parsed.bfdProfile) return { bgpState, bfdStatus: undefined };
  return { bgpState, bfdStatus: bfdSessionStatus(true, rt.neighbor?.bfd?.state) };
}
