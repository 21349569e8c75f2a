/**
 * L2 failover on the wire: from the failover (the leader's speaker stops, or a restarted
 * preferred node takes its Services back) to the router's kernel neighbour table (`ip -j neigh`
 * in its namespace, polled) showing the new leader's MAC for the Service IP, IPv4 and IPv6.
 * One netns lab (FRR 8.4 router r1, nodes worker0 and worker1) from scenarios/l2-failover-mac.yaml
 * under the lab name `bl2`; each run stops worker0 (-> worker1) and restarts it (-> worker0).
 * The time includes the election, the ServiceL2Status writes and one `ip neigh` round (~3 ms).
 *   sudo npx tsx bench/l2.ts [--runs 7]
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { nodeMac, routerNamespace } from '../src/lab/names.js';
import { loadScenario } from '../src/scenario/load.js';
import { ScenarioSession } from '../src/scenario/runner/session.js';
import { spread } from './stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const LAB = 'bl2';
const NS = routerNamespace(LAB, 'r1');
const IPS = ['198.18.0.200', '2001:db8::200'] as const;
const sh = promisify(execFile);

async function kernelMac(address: string): Promise<string | undefined> {
  const { stdout } = await sh('ip', ['-n', NS, '-j', 'neigh', 'show', 'to', address]);
  return (JSON.parse(stdout || '[]') as { lladdr?: string }[])[0]?.lladdr;
}

/** ms from `t0` until the router resolves every service IP to `mac` (or NaN after 5 s). */
async function until(mac: string, t0: number): Promise<number[]> {
  return Promise.all(
    IPS.map(async (ip) => {
      while (performance.now() - t0 < 5000) {
        if ((await kernelMac(ip)) === mac) return performance.now() - t0;
        await new Promise((r) => setTimeout(r, 2));
      }
      return NaN;
    }),
  );
}

const scenario = await loadScenario(
  join(resolve(import.meta.dirname, '..'), 'scenarios/l2-failover-mac.yaml'),
);
scenario.topology.lab = LAB;
const s = await ScenarioSession.start(scenario, { backend: 'netns' });
const away: number[][] = [[], []];
const back: number[][] = [[], []];
try {
  const w0 = nodeMac(LAB, 'worker0');
  const w1 = nodeMac(LAB, 'worker1');
  // The router learns the service IPs first, as traffic to them makes it do.
  for (const ip of IPS) {
    await sh('ip', ['netns', 'exec', NS, 'bash', '-c', `echo > /dev/udp/${ip}/9`]);
  }
  if ((await until(w0, performance.now())).some(Number.isNaN))
    throw new Error('no initial resolution');
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    const stopping = s.runtime.stopNode('worker0');
    const a = await until(w1, t0);
    await stopping;
    t0 = performance.now();
    const restarting = s.runtime.restartNode('worker0');
    const b = await until(w0, t0);
    await restarting;
    a.forEach((v, k) => away[k]!.push(v));
    b.forEach((v, k) => back[k]!.push(v));
    // Let the gratuitous bursts (5 s) of this round end before the next.
    await new Promise((r) => setTimeout(r, 5500));
  }
} finally {
  await s.close();
}
console.log(`L2 failover -> router ip neigh shows the new MAC (${runs} runs, netns, FRR 8.4 r1)`);
IPS.forEach((ip, k) => {
  console.log(`  ${ip.padEnd(14)} worker0 stops -> worker1    ${spread(away[k]!, { unit: 'ms' })}`);
  console.log(`  ${ip.padEnd(14)} worker0 returns -> worker0  ${spread(back[k]!, { unit: 'ms' })}`);
});
