/**
 * Status latency: from a BGP FSM transition in a node speaker to the BGPSessionState change
 * seen by a watcher of speakersim's API server (builtin router, real time, in-process). The
 * session is bounced N times by shutting the router's neighbor down and up; each transition's
 * time is taken from the speaker's event, each arrival from a client-node watch.
 * Each run is a fresh API server, router and runtime; p50/p99 are per run, then summarised as
 * median (min, max) over the runs.
 *   npx tsx bench/status-latency.ts [--bounces 50] [--runs 5]
 */
import { parseArgs } from 'node:util';
import { SystemClock } from '../src/core/clock.js';
import { systemRandom } from '../src/core/random.js';
import { MemoryNetwork } from '../src/bgp/io/memory.js';
import { InMemoryBfdNetwork } from '../src/bfd/io/memory-transport.js';
import { ApiServer } from '../src/k8s/api-server.js';
import { KubeClient } from '../src/k8s/client.js';
import { BuiltinRouter } from '../src/lab/builtin/router.js';
import { MetallbRuntime } from '../src/metallb/runtime/runtime.js';

import { percentile, spread } from './stats.js';

const { values } = parseArgs({
  options: {
    bounces: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
  },
});
const bounces = Number(values.bounces);
const runs = Number(values.runs);
/** One run: `bounces` neighbor shutdowns; the latency of every transition a watcher saw. */
async function run(): Promise<number[]> {
  const clock = new SystemClock();
  const server = await ApiServer.start({
    port: 0,
    namespaces: ['metallb-system', 'frr-k8s-system'],
  });
  const client = KubeClient.fromKubeconfigFile(server.kubeconfigPath);
  const bgpNet = new MemoryNetwork(clock);
  const bfdNet = new InMemoryBfdNetwork({ clock, random: systemRandom });
  const router = new BuiltinRouter(
    {
      name: 'r1',
      asn: 64500,
      routerId: '198.18.0.1',
      interfaces: [{ segment: 'lan', ipv4: '198.18.0.1' }],
      neighbors: [{ address: '198.18.0.10', remoteAsn: 64501, connectRetryS: 1 }],
    },
    {
      clock,
      random: systemRandom,
      bgpTransport: bgpNet.transport(),
      bfdTransport: (a) => bfdNet.createTransport({ localAddress: a }),
    },
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
      client,
      clock,
      random: systemRandom,
      bgpTransport: bgpNet.transport(),
      bfdTransport: (a) => bfdNet.createTransport({ localAddress: a }),
      events: { bgpTransition: (_n, _p, e) => pending.push({ to: e.to, at: performance.now() }) },
    },
  );
  const stop = await client.watch(
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
  `FSM transition -> BGPSessionState at a watcher: ${runs} runs of ${bounces} bounces, ${samples} samples`,
);
console.log(`  p50: ${spread(p50, { digits: 1, unit: 'ms' })}`);
console.log(`  p99: ${spread(p99, { digits: 1, unit: 'ms' })}`);
console.log(`  max: ${spread(max, { digits: 1, unit: 'ms' })}`);
process.exit(0);
