/**
 * The writer side of one node's BGPSessionState objects (frr-k8s's frr-status): a queue of the
 * (BGP state, BFD status) values each peer went through, written one at a time and in order per
 * peer, so that a watcher sees every transition. Different peers' objects are independent, so
 * their writes run side by side, at most MAX_PARALLEL_WRITES at once per node (at 1,000
 * sessions, one write at a time per node left the status CRs seconds behind the sessions).
 * Owns the queue, the objects already written and the poll timer; the sessions themselves
 * belong to PeerSessions (peer-sessions.ts).
 *
 * Event-driven by default (every BGP FSM transition and BFD state change is queued); with
 * `pollIntervalMs` > 0 it looks at each session once per interval instead, as frr-status does.
 */
import type { Clock, Timer } from '../../core/clock.js';
import type { KubeClient } from '../../k8s/client.js';
import { bfdSessionStatus } from '../bfd-profile.js';
import { frrPeerName, type ParsedPeer } from '../config.js';
import type { PeerRuntime } from './peer-sessions.js';
import { withOwner, type NodePodOwners } from './pods.js';
import { SessionStates } from './session-states.js';
import type { StatusWriter } from './writer.js';

interface SessionSnapshot {
  bgpState: string;
  bfdStatus: string | undefined;
}

/** Peers whose BGPSessionState writes of one node may be in flight at once. */
export const MAX_PARALLEL_WRITES = 8;

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
  /** Peers with a write in flight (one at a time per peer keeps each peer's order). */
  private readonly writing = new Set<string>();
  /** Callers of flush() waiting for the queue to drain. */
  private drained: Array<() => void> = [];
  /** The objects themselves (create, patch on change, duplicates, delete). */
  private readonly states: SessionStates;
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
    return this.writing.size > 0 || this.dirty.size > 0;
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

  /** Writes nothing more (writes in flight finish; flush() callers are released then). */
  stop(): void {
    this.stopped = true;
    this.pollTimer?.cancel();
    if (this.writing.size === 0) for (const resolve of this.drained.splice(0)) resolve();
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

  /**
   * Writes the queued BGPSessionStates: each peer's values one at a time and in order, up to
   * MAX_PARALLEL_WRITES peers at once. Resolves when nothing is queued or in flight.
   */
  flush(): Promise<void> {
    if (this.stopped || (this.dirty.size === 0 && this.writing.size === 0)) {
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => this.drained.push(resolve));
    this.startWrites();
    return done;
  }

  /** Starts the next value of each waiting peer while slots are free (queue order). */
  private startWrites(): void {
    for (const name of this.dirty.keys()) {
      if (this.stopped || this.writing.size >= MAX_PARALLEL_WRITES) break;
      if (this.writing.has(name)) continue;
      this.writing.add(name);
      void this.writeNext(name)
        .catch((error: unknown) => this.deps.problem(error))
        .finally(() => {
          this.writing.delete(name);
          this.startWrites();
          if (this.writing.size === 0 && (this.dirty.size === 0 || this.stopped)) {
            for (const resolve of this.drained.splice(0)) resolve();
          }
        });
    }
  }

  /** One value of one peer; the peer then goes to the back of the queue (round robin). */
  private async writeNext(name: string): Promise<void> {
    // Let the synchronous caller finish first (it may queue more for this peer).
    await Promise.resolve();
    const q = this.dirty.get(name);
    const snap = q?.shift();
    this.dirty.delete(name);
    if (q && q.length > 0) this.dirty.set(name, q);
    const rt = this.deps.peers().get(name);
    if (rt && snap && !this.stopped) await this.write(rt, snap);
  }

  private async write(rt: PeerRuntime, s: SessionSnapshot): Promise<void> {
    const peer = frrPeerName(rt.parsed);
    if (!peer) return;
    await this.states.write({
      peer,
      vrf: rt.parsed.vrf,
      bgpState: s.bgpState,
      bfdStatus: s.bfdStatus,
    });
  }

  /** The peer is gone: its BGPSessionStates are deleted. */
  async remove(peer: ParsedPeer): Promise<void> {
    const name = frrPeerName(peer);
    if (!name) return;
    await this.states.delete(name, peer.vrf);
  }
}

/** What `show bgp neighbors json` would say for this peer, as frr-status maps it (§3, §17). */
function sessionStatus(rt: PeerRuntime): SessionSnapshot {
  const bgpState = rt.neighbor?.session.state ?? 'Idle';
  if (!rt.parsed.bfdProfile) return { bgpState, bfdStatus: undefined };
  return { bgpState, bfdStatus: bfdSessionStatus(true, rt.neighbor?.bfd?.state) };
}
