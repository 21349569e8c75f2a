/**
 * One node's BGPSessionState objects in an API server, kept as frr-k8s's `frr-status` keeps
 * them (reference §3, §17): one object per (node, VRF, neighbour), created with generateName
 * and its status subresource, patched only on change, duplicates deleted. Used by the MetalLB
 * model's node speakers and by `speakersim speaker --kubeconfig`.
 */
import type { KubeClient, KubeResource, ObjectRef } from '../../k8s/client.js';
import {
  bgpSessionStateObject,
  sessionPeerName,
  SESSION_STATE_LABELS,
  type SessionStateInput,
} from '../session-state.js';
import type { BGPSessionState } from '../types.js';
import { sameJson, StatusWriter } from './writer.js';

export interface SessionStatesOptions {
  node: string;
  namespace: string;
  /** Adds what the caller's objects carry besides (an owner reference). */
  decorate?: (o: BGPSessionState) => BGPSessionState;
  /** A list that failed (the write itself reports through the StatusWriter). */
  onProblem: (error: unknown) => void;
}

export class SessionStates {
  /** Objects written, by `peer|vrf`, with the status last written and whether it has its owner. */
  private readonly known = new Map<string, { ref: ObjectRef; status: unknown; owned: boolean }>();
  /**
   * The node's objects as one list found them, by peer and VRF label: a key's first write looks
   * here instead of listing its own (1,000 sessions' first writes were 1,000 label-selected
   * lists). Later lookups of a key (its object was deleted meanwhile) list afresh.
   */
  private nodeObjects: Promise<Map<string, KubeResource[]>> | undefined;
  private readonly looked = new Set<string>();

  constructor(
    private readonly client: KubeClient,
    private readonly writer: StatusWriter,
    private readonly options: SessionStatesOptions,
  ) {}

  get node(): string {
    return this.options.node;
  }

  /** This node's objects (for one peer when given). */
  async existing(peer?: string): Promise<KubeResource[]> {
    const labels = [`${SESSION_STATE_LABELS.node}=${this.options.node}`];
    if (peer) labels.push(`${SESSION_STATE_LABELS.peer}=${sessionPeerName(peer)}`);
    try {
      return await this.client.list('frrk8s.metallb.io/v1beta1', 'BGPSessionState', {
        namespace: this.options.namespace,
        labelSelector: labels.join(','),
      });
    } catch (error) {
      this.options.onProblem(error);
      return [];
    }
  }

  /** Makes the peer's object show `s` (created when missing). */
  async write(s: Omit<SessionStateInput, 'node'>): Promise<void> {
    const want = bgpSessionStateObject({ ...s, node: this.options.node }, this.options.namespace);
    // The object last written for the key: patched directly, without a list per transition
    // (a list and a patch per write made 1,000 sessions' states lag by seconds).
    const key = `${s.peer}|${s.vrf ?? ''}`;
    const known = this.known.get(key);
    if (known) {
      if (!known.owned) await this.adopt(known, want);
      if (sameJson(known.status, want.status)) return;
      if (await this.writer.patchExistingStatus(known.ref, { status: want.status })) {
        known.status = want.status;
        return;
      }
      // Gone (deleted by hand) or refused: forget it and take the full path below.
      this.known.delete(key);
    }
    const existing = await this.objectsOf(s.peer, want, key);
    const [first, ...duplicates] = existing;
    // frr-status deletes duplicates of a (node, vrf, neighbor) key.
    for (const d of duplicates) await this.writer.delete(d);
    const remember = (o: KubeResource | undefined): void => {
      const name = o?.metadata?.name;
      if (!o || !name) return;
      const ref = {
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name, namespace: o.metadata?.namespace },
      };
      this.known.set(key, {
        ref,
        status: want.status,
        owned: (o.metadata?.ownerReferences ?? []).length > 0,
      });
    };
    if (!first) {
      const obj = this.options.decorate ? this.options.decorate(want) : want;
      remember(await this.writer.createWithStatus(obj as unknown as KubeResource));
      return;
    }
    if (!sameJson((first as { status?: unknown }).status ?? {}, want.status)) {
      if (!(await this.writer.patchStatus(first, { status: want.status }))) return;
    }
    remember(first);
  }

  /**
   * An object written before the node's frr-k8s pod existed (the sessions start before the
   * pods are created) gets the pod as owner once it is known, as frr-status's objects always
   * have it: deleting the pod then deletes the object (reference §3).
   */
  private async adopt(
    known: { ref: ObjectRef; owned: boolean },
    want: BGPSessionState,
  ): Promise<void> {
    const owners = this.options.decorate?.(want).metadata.ownerReferences;
    if (!owners || owners.length === 0) return;
    if (await this.writer.patch(known.ref, { metadata: { ownerReferences: owners } })) {
      known.owned = true;
    }
  }

  /** The node's objects for one key (peer and VRF), as they are in the API server. */
  private async objectsOf(
    peer: string,
    want: BGPSessionState,
    key: string,
  ): Promise<KubeResource[]> {
    const labels = want.metadata.labels ?? {};
    const group = (o: KubeResource): string =>
      `${o.metadata?.labels?.[SESSION_STATE_LABELS.peer] ?? ''}|${o.metadata?.labels?.[SESSION_STATE_LABELS.vrf] ?? ''}`;
    const wanted = `${labels[SESSION_STATE_LABELS.peer] ?? ''}|${labels[SESSION_STATE_LABELS.vrf] ?? ''}`;
    if (!this.looked.has(key)) {
      this.looked.add(key);
      this.nodeObjects ??= this.existing().then((all) => {
        const byKey = new Map<string, KubeResource[]>();
        for (const o of all) byKey.set(group(o), [...(byKey.get(group(o)) ?? []), o]);
        return byKey;
      });
      return (await this.nodeObjects).get(wanted) ?? [];
    }
    return (await this.existing(peer)).filter((o) => group(o) === wanted);
  }

  /**
   * Deletes the peer's objects in `vrf` (absent or `default`: the default VRF). frr-status keys
   * an object by (node, VRF, neighbor): the same address as a peer of another VRF is another
   * session, whose object stays.
   */
  async delete(peer: string, vrf?: string): Promise<void> {
    this.known.delete(`${peer}|${vrf ?? ''}`);
    const label = bgpSessionStateObject({ node: this.options.node, peer, vrf, bgpState: '' })
      .metadata.labels?.[SESSION_STATE_LABELS.vrf];
    for (const o of await this.existing(peer))
      if ((o.metadata?.labels?.[SESSION_STATE_LABELS.vrf] ?? '') === label)
        await this.writer.delete(o);
  }
}

/**
 * For `speaker --kubeconfig`: opens a node's SessionStates in `namespace`, with its own
 * StatusWriter; failed writes and lists go to `onProblem`.
 */
export function sessionStatesIn(
  client: KubeClient,
  namespace: string,
): (node: string, onProblem: (error: unknown) => void) => SessionStates {
  return (node, onProblem) =>
    new SessionStates(client, new StatusWriter(client, (p) => onProblem(p.error), namespace), {
      node,
      namespace,
      onProblem,
    });
}
