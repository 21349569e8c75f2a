/**
 * Status latency: from a BGP FSM transition in a node speaker to the BGPSessionState change
 * seen by a watcher of speakersim's API server (builtin routers, real time, in-process).
 *
 * Bounces (default): one session is bounced N times by shutting the router's neighbor down and
 * up; each transition's time is taken from the speaker's event, each arrival from a client-node
 * watch. p50/p99 are per run, then summarised as median (min, max) over the runs.
 *   npx tsx bench/status-latency.ts [--bounces 50] [--runs 5]
 *
 * Bring-up (--sessions N, issue 16): K nodes x 4 builtin routers = N sessions come up at once;
 * measures from the last session's Established (its FSM event) to the last BGPSessionState
 * showing Established at a watcher, goal <= 2 s, and checks that the watcher saw every
 * transition of every session, in order (goal: all sessions).
 *   npx tsx bench/status-latency.ts --sessions 1000 [--runs 5]
 *
 * The runtime writes through KubeClient.embedded, as `run` does: in process, or over HTTP with
 * SPEAKERSIM_KUBE_TRANSPORT=http. The watcher is always an HTTP client (as kubectl).
 */
import { parseArgs } from 'node:util';
import { SystemClock } from '../src/core/clock.js';
import { systemRandom } from '../src/core/random.js';
import { MemoryNetwork } from '../src/bgp/io/memory.js';
import { InMemoryBfdNetwork } from '../src/bfd/io/memory-transport.js';
import { ApiServer } from '../src/k8s/api-server.js';
import { KubeClient, TRANSPORT_ENV } from '../src/k8s/client.js';
import { BuiltinRouter } from '../src/lab/builtin/router.js';
import { MetallbRuntime } from '../src/metallb/runtime/runtime.js';

import { loadavg } from 'node:os';
import { goal, median, percentile, spread } from './stats.js';

const { values } = parseArgs({
  options: {
    bounces: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
    sessions: { type: 'string', default: '0' },
  },
});
const bounces = Number(values.bounces);
const runs = Number(values.runs);
const sessions = Number(values.sessions);
const ROUTERS = 4;
const TRANSPORT = process.env[TRANSPORT_ENV] === 'http' ? 'over HTTP' : 'in process';
if (!Number.isInteger(sessions) || sessions < 0 || sessions % ROUTERS !== 0 || sessions > 4000) {
  throw new Error(`--sessions: a multiple of ${ROUTERS}, at most 4000`);
}
/**
 * In-memory BGP and BFD networks; each call of the result gives one party's components (clock,
 * randomness, its own transports on the shared networks), as routers and the runtime take them.
 */
function inMemoryNetworks(clock: SystemClock): () => {
  clock: SystemClock;
  random: typeof systemRandom;
  bgpTransport: ReturnType<MemoryNetwork['transport']>;
  bfdTransport: (a: string) => ReturnType<InMemoryBfdNetwork['createTransport']>;
} {
  const bgpNet = new MemoryNetwork(clock);
  const bfdNet = new InMemoryBfdNetwork({ clock, random: systemRandom });
  return () => ({
    clock,
    random: systemRandom,
    bgpTransport: bgpNet.transport(),
    bfdTransport: (a) => bfdNet.createTransport({ localAddress: a }),
  });
}

/** One run: `bounces` neighbor shutdowns; the latency of every transition a watcher saw. */
async function run(): Promise<number[]> {
  const clock = new SystemClock();
  const server = await ApiServer.start({
    port: 0,
    namespaces: ['metallb-system', 'frr-k8s-system'],
  });
  const client = KubeClient.embedded(server);
  const watcher = KubeClient.fromKubeconfigFile(server.kubeconfigPath);
  const party = inMemoryNetworks(clock);
  const router = new BuiltinRouter(
    {
      name: 'r1',
      asn: 64500,
      routerId: '198.18.0.1',
      interfaces: [{ segment: 'lan', ipv4: '198.18.0.1' }],
      neighbors: [{ address: '198.18.0.10', remoteAsn: 64501, connectRetryS: 1 }],
    },
    party(),
  );
  await router.start();
  await client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker0' } });
  await client.patchStatus(
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker0' } },
    { status: { addresses: [{ type: 'InternalIP', address: '198.18.0.10' }] } },
  );
  const pending: { to: string; at: number }[] = [];
  const latencies: number[] = [];
  const rt = await MetallbRuntime.start(
    { nodes: ['worker0'] },
    {
      ...party(),
      client,
      events: { bgpTransition: (_n, _p, e) => pending.push({ to: e.to, at: performance.now() }) },
    },
  );
  const stop = await watcher.watch(
    'frrk8s.metallb.io/v1beta1',
    'BGPSessionState',
    { namespace: 'frr-k8s-system' },
    (type, obj) => {
      const st = (obj as { status?: { bgpStatus?: string } }).status?.bgpStatus;
      const i = pending.findIndex((p) => p.to === st);
      if (i < 0) return;
      latencies.push(performance.now() - pending[i]!.at);
      pending.splice(0, i + 1);
    },
  );
  await client.create({
    apiVersion: 'metallb.io/v1beta2',
    kind: 'BGPPeer',
    metadata: { name: 'r1', namespace: 'metallb-system' },
    spec: { myASN: 64501, peerASN: 64500, peerAddress: '198.18.0.1' },
  });
  const waitState = async (want: (s: string) => boolean) => {
    for (
      let i = 0;
      i < 1000 && !want(rt.speaker('worker0')?.sessions()[0]?.bgp?.session.state ?? 'Idle');
      i++
    )
      await new Promise((r) => setTimeout(r, 5));
  };
  await waitState((s) => s === 'Established');
  for (let b = 0; b < bounces; b++) {
    await router.vtysh(['configure terminal', 'router bgp 64500', 'neighbor 198.18.0.10 shutdown']);
    await waitState((s) => s !== 'Established');
    await router.vtysh([
      'configure terminal',
      'router bgp 64500',
      'no neighbor 198.18.0.10 shutdown',
    ]);
    await waitState((s) => s === 'Established');
  }
  await new Promise((r) => setTimeout(r, 500));
  stop();
  await rt.stop();
  await router.stop();
  await server.close();
  return latencies;
}

/** What one bring-up run measured. */
interface BringUp {
  /** Last FSM Established -> last BGPSessionState Established at the watcher, ms. */
  lagMs: number;
  /** Sessions whose every transition the watcher saw, in order. */
  complete: number;
  /** Status events the watcher got. */
  events: number;
  /** Of which after the last session was Established. */
  eventsInLag: number;
  /** First session leaving Idle -> last Established (FSM), ms. */
  upMs: number;
  /** CPU time (user+sys) of this process during the lag, ms: the lag's own cost, whatever the load. */
  lagCpuMs: number;
}

/** Values with consecutive repeats removed. */
function changes(values: readonly string[]): string[] {
  return values.filter((v, i) => i === 0 || values[i - 1] !== v);
}

/** One bring-up run: N sessions at once, the status CRs' lag and completeness. */
async function bringUp(n: number): Promise<BringUp> {
  const clock = new SystemClock();
  const nodes = n / ROUTERS;
  const nodeName = (i: number): string => `node-${String(i).padStart(4, '0')}`;
  const nodeAddress = (i: number): string => `198.18.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`;
  const routerAddress = (r: number): string => `198.18.0.${r + 1}`;
  const server = await ApiServer.start({
    port: 0,
    namespaces: ['metallb-system', 'frr-k8s-system'],
  });
  // The runtime's client as `run` makes it (in process unless SPEAKERSIM_KUBE_TRANSPORT=http);
  // the watcher is an HTTP client, as kubectl is.
  const client = KubeClient.embedded(server);
  const watcher = KubeClient.fromKubeconfigFile(server.kubeconfigPath);
  const party = inMemoryNetworks(clock);
  const routers: BuiltinRouter[] = [];
  for (let r = 0; r < ROUTERS; r++) {
    const router = new BuiltinRouter(
      {
        name: `r${r + 1}`,
        asn: 64500,
        routerId: routerAddress(r),
        interfaces: [{ segment: 'lan', ipv4: routerAddress(r) }],
        neighbors: Array.from({ length: nodes }, (_, i) => ({
          address: nodeAddress(i),
          remoteAsn: 64501,
          connectRetryS: 1,
        })),
      },
      party(),
    );
    await router.start();
    routers.push(router);
  }
  for (let i = 0; i < nodes; i++) {
    const ref = { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName(i) } };
    await client.create(ref);
    await client.patchStatus(ref, {
      status: { addresses: [{ type: 'InternalIP', address: nodeAddress(i) }] },
    });
  }
  // Per session (node|router address): the FSM's states and what the watcher saw.
  const fsm = new Map<string, string[]>();
  const watched = new Map<string, string[]>();
  const established = new Set<string>();
  const shownEstablished = new Set<string>();
  let firstStart: number | undefined;
  let lastUp = 0;
  let lastShown = 0;
  let cpuAtUp = process.cpuUsage();
  let cpuAtShown = process.cpuUsage();
  let events = 0;
  let eventsAtUp = 0;
  const stop = await watcher.watch(
    'frrk8s.metallb.io/v1beta1',
    'BGPSessionState',
    { namespace: 'frr-k8s-system' },
    (_type, obj) => {
      const st = (obj as { status?: { node?: string; peer?: string; bgpStatus?: string } }).status;
      if (!st?.node || !st.peer || !st.bgpStatus) return;
      events++;
      const key = `${st.node}|${st.peer}`;
      watched.set(key, [...(watched.get(key) ?? []), st.bgpStatus]);
      if (st.bgpStatus === 'Established') {
        shownEstablished.add(key);
        lastShown = performance.now();
        cpuAtShown = process.cpuUsage();
      } else shownEstablished.delete(key);
    },
  );
  const rt = await MetallbRuntime.start(
    { nodes: Array.from({ length: nodes }, (_, i) => nodeName(i)) },
    {
      ...party(),
      client,
      events: {
        bgpTransition: (node, peer, e) => {
          const key = `${node}|${routerAddress(Number(peer.slice(1)) - 1)}`;
          firstStart ??= performance.now();
          fsm.set(key, [...(fsm.get(key) ?? ['Idle']), e.to]);
          if (e.to === 'Established') {
            established.add(key);
            lastUp = performance.now();
            cpuAtUp = process.cpuUsage();
            eventsAtUp = events;
          } else established.delete(key);
        },
      },
    },
  );
  for (let r = 0; r < ROUTERS; r++) {
    await client.create({
      apiVersion: 'metallb.io/v1beta2',
      kind: 'BGPPeer',
      metadata: { name: `r${r + 1}`, namespace: 'metallb-system' },
      spec: { myASN: 64501, peerASN: 64500, peerAddress: routerAddress(r) },
    });
  }
  const deadline = performance.now() + 300_000;
  while (
    (established.size < n || shownEstablished.size < n || rt.busy) &&
    performance.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 200));
  stop();
  let complete = 0;
  for (const [key, states] of fsm) {
    const want = changes(states);
    const seen = changes(watched.get(key) ?? []);
    // The first write may already show the state after Idle (the session left Idle first).
    if (seen.join() === want.join() || seen.join() === want.slice(1).join()) complete++;
  }
  const result: BringUp = {
    lagMs: established.size === n && shownEstablished.size === n ? lastShown - lastUp : NaN,
    complete,
    events,
    eventsInLag: events - eventsAtUp,
    upMs: lastUp - (firstStart ?? lastUp),
    lagCpuMs: (cpuAtShown.user + cpuAtShown.system - cpuAtUp.user - cpuAtUp.system) / 1000,
  };
  await rt.stop();
  for (const router of routers) await router.stop();
  await server.close();
  return result;
}

if (sessions > 0) {
  const load0 = loadavg()[0]!;
  const results: BringUp[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await bringUp(sessions);
    results.push(r);
    console.log(
      `  run ${i + 1}/${runs}: up ${(r.upMs / 1000).toFixed(2)} s, lag ${(r.lagMs / 1000).toFixed(2)} s (CPU ${(r.lagCpuMs / 1000).toFixed(2)} s), complete ${r.complete}/${sessions}, ${r.events} events (${r.eventsInLag} in the lag)`,
    );
  }
  const lag = results.map((r) => r.lagMs / 1000);
  const lagMet = median(lag) <= 2;
  const completeMin = Math.min(...results.map((r) => r.complete));
  console.log(
    `${sessions} sessions (${sessions / ROUTERS} nodes x ${ROUTERS} builtin routers), ${runs} runs, runtime's client ${TRANSPORT}; load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`,
  );
  console.log(
    `  first session start -> all Established: ${spread(
      results.map((r) => r.upMs / 1000),
      { digits: 2, unit: 's' },
    )}`,
  );
  console.log(
    `  ${goal(`last Established -> every BGPSessionState Established at a watcher: ${spread(lag, { digits: 2, unit: 's' })}`, '<= 2 s', lagMet)}`,
  );
  console.log(
    `  first session start -> every BGPSessionState Established at a watcher: ${spread(
      results.map((r) => (r.upMs + r.lagMs) / 1000),
      { digits: 2, unit: 's' },
    )}`,
  );
  console.log(
    `    CPU of this process during the lag: ${spread(
      results.map((r) => r.lagCpuMs / 1000),
      { digits: 2, unit: 's' },
    )}`,
  );
  console.log(
    `  ${goal(`sessions whose every transition a watcher saw, in order: ${completeMin}/${sessions} in the worst run`, `${sessions}/${sessions}`, completeMin === sessions)}`,
  );
  process.exit(0);
}

const p50: number[] = [];
const p99: number[] = [];
const max: number[] = [];
let samples = 0;
for (let i = 0; i < runs; i++) {
  const latencies = await run();
  samples += latencies.length;
  p50.push(percentile(latencies, 50));
  p99.push(percentile(latencies, 99));
  max.push(Math.max(...latencies));
}
console.log(
  `FSM transition -> BGPSessionState at a watcher: ${runs} runs of ${bounces} bounces, ${samples} samples, runtime's client ${TRANSPORT}`,
);
console.log(`  p50: ${spread(p50, { digits: 1, unit: 'ms' })}`);
console.log(`  p99: ${spread(p99, { digits: 1, unit: 'ms' })}`);
console.log(`  max: ${spread(max, { digits: 1, unit: 'ms' })}`);
process.exit(0);
