/**
 * Route push into real FRR (needs root and Debian's frr): one FRR 8.4 router in a network
 * namespace, one speakersim node speaker. Measures, per run:
 *   - lab up -> session Established (ms),
 *   - Established (speaker's view) -> FRR holding all N /32 routes (ms),
 *   - withdraw all -> FRR holding none (ms).
 * Prints median, min and max over the runs. Usage:
 *   sudo npx tsx bench/frr-push.ts [--routes 10000,100000] [--runs 5]
 */
import { parseArgs } from 'node:util';
import { SystemClock } from '../src/core/clock.js';
import { systemRandom } from '../src/core/random.js';
import { TcpTransport } from '../src/bgp/io/tcp.js';
import { Speaker } from '../src/bgp/speaker.js';
import { labDown, labUp } from '../src/lab/lifecycle.js';
import { vtyshCommands } from '../src/lab/router-state.js';
import type { LabTopology } from '../src/lab/topology.js';

const { values } = parseArgs({
  options: { routes: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } },
});
const sizes = values.routes.split(',').map(Number);
const runs = Number(values.runs);
const LAB = 'bpush';
const ref = { lab: 'bpush', router: 'r1' };

const topology: LabTopology = {
  name: LAB,
  segments: [{ name: 'lan', ipv4Prefix: '198.18.30.0/24' }],
  routers: [
    {
      name: 'r1',
      asn: 64500,
      routerId: '198.18.30.1',
      interfaces: [{ segment: 'lan', ipv4: '198.18.30.1' }],
      neighbors: [{ address: '198.18.30.10', remoteAsn: 64501, connectRetryS: 2 }],
    },
  ],
  nodes: [{ name: 'node1', asn: 64501, segment: 'lan', ipv4: '198.18.30.10' }],
};

/** How many prefixes FRR has accepted from the node (`show bgp ipv4 unicast summary json`). */
async function received(): Promise<number> {
  const out = JSON.parse(await vtyshCommands(ref, ['show bgp ipv4 unicast summary json'])) as {
    peers?: Record<string, { pfxRcd?: number }>;
  };
  return out.peers?.['198.18.30.10']?.pfxRcd ?? 0;
}

async function until(cond: () => Promise<boolean>, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return `median ${med.toFixed(0)} ms (min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)})`;
}

for (const n of sizes) {
  const up: number[] = [];
  const push: number[] = [];
  const withdraw: number[] = [];
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    await labUp(topology, { cleanupOnExit: true, replace: true });
    const clock = new SystemClock();
    const speaker = new Speaker({
      clock,
      random: systemRandom,
      transport: new TcpTransport(clock),
    });
    const peer = speaker.addPeer({
      id: 'node1',
      localAddress: '198.18.30.10',
      localAsn: 64501,
      routerId: '198.18.30.10',
      peerAddress: '198.18.30.1',
      peerAsn: 64500,
      families: ['ipv4'],
      connectRetryTimeSeconds: 1,
    });
    // Routes are loaded before the session comes up, as the benchmark's peers do.
    for (let i = 0; i < n; i++) {
      peer.announce(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, {
        nextHop: '198.18.30.10',
      });
    }
    let establishedAt = 0;
    peer.on({ established: () => (establishedAt = performance.now()) });
    peer.session.start();
    try {
      await until(async () => establishedAt > 0, 60_000);
      up.push(establishedAt - t0);
      await until(async () => (await received()) >= n, 300_000);
      push.push(performance.now() - establishedAt);
      const w0 = performance.now();
      peer.setRoutes([]);
      await until(async () => (await received()) === 0, 300_000);
      withdraw.push(performance.now() - w0);
    } finally {
      await speaker.close();
      await labDown(LAB, { force: true });
    }
  }
  console.log(`${n} /32 routes, ${runs} runs, FRR 8.4 in a netns:`);
  console.log(`  lab up -> Established:        ${stats(up)}`);
  console.log(`  Established -> all in FRR:    ${stats(push)}`);
  console.log(`  withdraw all -> none in FRR:  ${stats(withdraw)}`);
}
