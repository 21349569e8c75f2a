import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ApiServer } from '../../../src/k8s/api-server.js';
import { KubeClient, type KubeResource } from '../../../src/k8s/client.js';
import type { PeerRuntime } from '../../../src/metallb/runtime/peer-sessions.js';
import {
  MAX_PARALLEL_WRITES,
  SessionStateQueue,
} from '../../../src/metallb/runtime/session-state-queue.js';
import { SessionStates } from '../../../src/metallb/runtime/session-states.js';
import { StatusWriter } from '../../../src/metallb/runtime/writer.js';

/**
 * The node's BGPSessionState queue against the API server: every value a peer went through
 * reaches a watcher, in order per peer, while different peers' writes overlap up to the bound.
 */

const NS = 'frr-k8s-system';
const STATES = ['Idle', 'Connect', 'OpenSent', 'OpenConfirm', 'Established'];

/** A peer as PeerSessions keeps it, reduced to what the queue reads (name, address, state). */
function peer(i: number): PeerRuntime & { state: string } {
  const rt = {
    name: `peer-${i}`,
    parsed: { address: `198.18.1.${i + 1}`, vrf: '', bfdProfile: '' },
    state: 'Idle',
  } as unknown as PeerRuntime & { state: string };
  Object.defineProperty(rt, 'neighbor', { get: () => ({ session: { state: rt.state } }) });
  return rt;
}

/** A StatusWriter that counts the writes in flight at once. */
class CountingWriter extends StatusWriter {
  inFlight = 0;
  maxInFlight = 0;
  private async counted<T>(fn: () => Promise<T>): Promise<T> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      return await fn();
    } finally {
      this.inFlight--;
    }
  }
  override patchExistingStatus(
    ref: Parameters<StatusWriter['patchExistingStatus']>[0],
    body: unknown,
  ) {
    return this.counted(() => super.patchExistingStatus(ref, body));
  }
  override createWithStatus<T extends KubeResource>(obj: T) {
    return this.counted(() => super.createWithStatus(obj));
  }
}

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('SessionStateQueue', () => {
  it('writes every transition of every peer, in order per peer, peers side by side', async () => {
    server = await ApiServer.start({ namespaces: [NS] });
    const client = KubeClient.fromKubeconfigFile(server.kubeconfigPath);
    const problems: unknown[] = [];
    const writer = new CountingWriter(client, (p) => problems.push(p.error), NS);
    const peers = new Map(Array.from({ length: 20 }, (_, i) => [`peer-${i}`, peer(i)]));
    const queue = new SessionStateQueue(
      { node: 'worker0', frrK8sNamespace: NS, pollIntervalMs: 0 },
      {
        client,
        writer,
        clock: new ManualClock(),
        peers: () => peers,
        problem: (e) => problems.push(e),
      },
    );
    const seen = new Map<string, string[]>();
    const stop = await client.watch(
      'frrk8s.metallb.io/v1beta1',
      'BGPSessionState',
      { namespace: NS },
      (_type, obj) => {
        const st = (obj as { status?: { peer?: string; bgpStatus?: string } }).status;
        if (!st?.peer || !st.bgpStatus) return;
        const list = seen.get(st.peer) ?? [];
        if (list.at(-1) !== st.bgpStatus) list.push(st.bgpStatus);
        seen.set(st.peer, list);
      },
    );
    // Every peer goes through all states in one burst, as 1,000 sessions coming up do.
    for (const state of STATES) {
      for (const rt of peers.values()) {
        rt.state = state;
        queue.changed(rt.name);
      }
    }
    await queue.flush();
    expect(queue.busy).toBe(false);
    const deadline = Date.now() + 5000;
    while ([...seen.values()].filter((l) => l.length === STATES.length).length < peers.size) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    stop();
    expect(problems).toEqual([]);
    for (const rt of peers.values()) expect(seen.get(rt.parsed.address!)).toEqual(STATES);
    expect(writer.writes).toBe(peers.size * (STATES.length + 1)); // create + status, then 4 patches
    expect(writer.maxInFlight).toBeGreaterThan(1);
    expect(writer.maxInFlight).toBeLessThanOrEqual(MAX_PARALLEL_WRITES);
  });
});

describe('SessionStates', () => {
  it("deletes a removed peer's object in its VRF only: the same address in another VRF stays", async () => {
    server = await ApiServer.start({ namespaces: [NS] });
    const client = KubeClient.fromKubeconfigFile(server.kubeconfigPath);
    const problems: unknown[] = [];
    const states = new SessionStates(
      client,
      new StatusWriter(client, (p) => problems.push(p.error), NS),
      { node: 'worker0', namespace: NS, onProblem: (e) => problems.push(e) },
    );
    // bgp-vrf-node: r2's address is a peer of VRF red and of the default VRF.
    await states.write({ peer: '198.18.1.1', vrf: 'red', bgpState: 'Established' });
    await states.write({ peer: '198.18.1.1', bgpState: 'Active' });
    const shown = async () =>
      (await states.existing('198.18.1.1'))
        .map((o) => {
          const st = (o as { status?: { vrf?: string; bgpStatus?: string } }).status;
          return `${st?.vrf ?? 'default'}/${st?.bgpStatus}`;
        })
        .sort();
    expect(await shown()).toEqual(['default/Active', 'red/Established']);
    // The default-VRF BGPPeer goes (frr-status deletes per (node, VRF, neighbor) key).
    await states.delete('198.18.1.1');
    expect(await shown()).toEqual(['red/Established']);
    // And a VRF red peer's removal leaves nothing of that address.
    await states.delete('198.18.1.1', 'red');
    expect(await shown()).toEqual([]);
    expect(problems).toEqual([]);
  });
});

describe('BGPSessionState owner', () => {
  it('an object written before the frr-k8s pod existed gets the pod as owner once it is known, and goes with it', async () => {
    server = await ApiServer.start({ namespaces: [NS] });
    const client = KubeClient.embedded(server, 'in-process');
    const problems: unknown[] = [];
    const writer = new StatusWriter(client, (p) => problems.push(p.error), NS);
    const rt = peer(0);
    const peers = new Map([[rt.name, rt]]);
    const pods: { owner?: { apiVersion: string; kind: string; name: string; uid: string } } = {};
    const queue = new SessionStateQueue(
      {
        node: 'worker0',
        frrK8sNamespace: NS,
        pollIntervalMs: 0,
        owners: () => (pods.owner ? { frrK8s: pods.owner } : {}),
      },
      {
        client,
        writer,
        clock: new ManualClock(),
        peers: () => peers,
        problem: (e) => problems.push(e),
      },
    );
    rt.state = 'Active';
    queue.changed(rt.name);
    await queue.flush();
    const list = () =>
      client.list('frrk8s.metallb.io/v1beta1', 'BGPSessionState', { namespace: NS });
    expect((await list())[0]?.metadata?.ownerReferences).toBeUndefined();

    const pod = await client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'frr-k8s-abcde', namespace: NS },
      spec: { containers: [{ name: 'frr', image: 'frr' }] },
    });
    pods.owner = {
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'frr-k8s-abcde',
      uid: String(pod.metadata?.uid),
    };
    // Nothing changed in the session: the reconcile after the pods' creation marks every peer.
    queue.markAll();
    await queue.flush();
    const [obj] = await list();
    expect(obj?.metadata?.ownerReferences).toEqual([pods.owner]);
    expect((obj as { status?: { bgpStatus?: string } }).status?.bgpStatus).toBe('Active');
    await client.delete(pod);
    expect(await list()).toEqual([]);
    expect(problems).toEqual([]);
  });
});
