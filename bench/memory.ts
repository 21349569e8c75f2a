/**
 * Memory per advertised route: what a user of the speaker pays to keep N service routes
 * advertised to one peer (GitHub issue 8; goal: at most 200 bytes per route at 100,000 routes).
 *
 * Each run is a fresh child process (so runs share no heap): a Speaker with one Peer peers over
 * the in-memory transport twin (src/bgp/io/memory.ts) with a second Speaker in the router's role
 * that only counts what it receives (no Adj-RIB-In, so it keeps nothing per route). Once the
 * session is Established the child measures a baseline, hands the speaker N /32 (or /128) routes
 * sharing one attribute set through Peer.setRoutes, as MetalLB's node speaker does (a fresh
 * attribute object per route, interned into one), and measures again:
 *
 *   pending  right after setRoutes, before the flush (desired + dirty, nothing sent yet)
 *   sent     after the router has received all N prefixes and nothing is pending: the
 *            Adj-RIB-Out's after-send state, i.e. what stays for as long as the routes are up
 *
 * Each figure is (heapUsed + external + arrayBuffers after global.gc()) minus the same sum at
 * the baseline, divided by N. Node already counts arrayBuffers inside external, so that sum
 * counts Buffers twice; heapUsed + external alone is printed beside it. The prefix strings are
 * the user's but live as long as the RIB keeps them, so they are part of the figure.
 *
 *   npm run bench:memory -- --routes 100000 [--family ipv6] [--runs 5]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SystemClock } from '../src/core/clock.js';
import { SeededRandom } from '../src/core/random.js';
import { MemoryNetwork } from '../src/bgp/io/memory.js';
import { Speaker, type Peer } from '../src/bgp/speaker.js';
import type { RouteAttributes } from '../src/bgp/rib.js';
import { formatCIDR } from '../src/metallb/ip.js';
import { collector, settledMemory } from './heap.js';
import { median, spread } from './stats.js';

type Family = 'ipv4' | 'ipv6';

interface Sample {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

interface RunResult {
  routes: number;
  family: Family;
  baseline: Sample;
  pending: Sample;
  sent: Sample;
  /** ms from setRoutes until the router had every prefix. */
  sendMs: number;
  updatesSent: number;
}

/* ------------------------------------------------------------------ one run (child) --- */

function sample(gc: () => void): Sample {
  const m = settledMemory(gc);
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

const V4_BASE = 0x0a000000n; // 10.0.0.0
const V6_BASE = 0x20010db8010000000000000000000000n; // 2001:db8:100::

/** The prefix text as MetalLB's model formats it (Go's IPNet.String(), src/metallb/ip.ts). */
function prefixOf(family: Family, i: number): string {
  const base = family === 'ipv4' ? V4_BASE : V6_BASE;
  return formatCIDR({ family, network: base + BigInt(i), prefix: family === 'ipv4' ? 32 : 128 });
}

/** The routes as MetalLB's node speaker passes them: a fresh attribute object per route. */
function* routes(family: Family, n: number): Generator<[string, RouteAttributes]> {
  const nextHop = family === 'ipv4' ? '198.18.0.10' : '2001:db8::10';
  for (let i = 0; i < n; i++) {
    yield [
      prefixOf(family, i),
      { nextHop, localPref: undefined, communities: [0xfde80064], largeCommunities: undefined },
    ];
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function runOnce(n: number, family: Family): Promise<RunResult> {
  const gc = collector();
  const clock = new SystemClock();
  const network = new MemoryNetwork(clock);
  const components = (seed: number) => ({
    clock,
    random: new SeededRandom(seed),
    transport: network.transport(),
  });
  const node = new Speaker(components(1));
  const router = new Speaker(components(2));
  const nodePeer: Peer = node.addPeer({
    id: 'worker0/198.18.0.1',
    node: 'worker0',
    localAddress: '198.18.0.10',
    localAsn: 64501,
    routerId: '198.18.0.10',
    peerAddress: '198.18.0.1',
    peerAsn: 64500,
  });
  const routerPeer = router.addPeer({
    id: 'r1/198.18.0.10',
    localAddress: '198.18.0.1',
    localAsn: 64500,
    routerId: '198.18.0.1',
    peerAddress: '198.18.0.10',
    peerAsn: 64501,
    passive: true,
  });
  await router.listen('198.18.0.1', 179);
  routerPeer.session.start();
  nodePeer.session.start();
  await until('Established', () => nodePeer.session.established && routerPeer.session.established);
  // The End-of-RIBs for the empty initial table go out first; then the table is quiet.
  await sleep(50);

  const baseline = sample(gc);
  nodePeer.setRoutes(routes(family, n));
  // Still in the same task: the flush is a queued microtask, so nothing has been sent.
  const pending = sample(gc);
  const t0 = performance.now();
  await until(
    'all prefixes at the router',
    () => routerPeer.counters.prefixesReceived >= n && !nodePeer.adjRibOut.hasPending(),
  );
  const sendMs = performance.now() - t0;
  await nodePeer.session.drained();
  await sleep(20);
  const sent = sample(gc);
  if (nodePeer.adjRibOut.size !== n) throw new Error(`RIB holds ${nodePeer.adjRibOut.size}`);
  if (routerPeer.counters.prefixesReceived !== n) {
    throw new Error(`router received ${routerPeer.counters.prefixesReceived} prefixes`);
  }
  const result: RunResult = {
    routes: n,
    family,
    baseline,
    pending,
    sent,
    sendMs,
    updatesSent: nodePeer.counters.updatesSent,
  };
  await node.close();
  await router.close();
  return result;
}

/* ---------------------------------------------------------------- orchestrator --- */

function runChild(n: number, family: Family): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const execArgv = process.execArgv.includes('--expose-gc')
      ? process.execArgv
      : [...process.execArgv, '--expose-gc'];
    const child = fork(
      fileURLToPath(import.meta.url),
      ['--role', 'run', '--routes', String(n), '--family', family],
      { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    let result: RunResult | undefined;
    child.on('message', (m: RunResult) => (result = m));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`run exited with code ${code}`));
    });
  });
}

const total = (s: Sample): number => s.heapUsed + s.external + s.arrayBuffers;
const heapExt = (s: Sample): number => s.heapUsed + s.external;

const stats = (values: number[], digits = 1): string =>
  spread(values, { digits }).replace(/^median /, '');

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .option('role', { type: 'string', default: 'measure', hidden: true })
    .option('routes', { type: 'number', default: 100_000, describe: 'routes to advertise' })
    .option('family', { choices: ['ipv4', 'ipv6'] as const, default: 'ipv4' as Family })
    .option('runs', { type: 'number', default: 5, describe: 'fresh processes to measure' })
    .strict()
    .parse();
  const family = argv.family as Family;
  if (argv.role === 'run') {
    const r = await runOnce(argv.routes, family);
    // Exit once the result is out: stopped sessions may still hold timers.
    process.send?.(r, () => process.exit(0));
    return;
  }
  const n = argv.routes;
  const len = family === 'ipv4' ? '/32' : '/128';
  console.log(
    `memory bench: ${n} ${len} routes, one attribute set, one peer over the in-memory transport, ` +
      `${argv.runs} runs (a fresh process each)`,
  );
  console.log(
    'run  pending B/route  sent B/route  sent heap+ext B/route  heapUsed  external  arrayBuffers' +
      '  send (ms)  UPDATEs',
  );
  const results: RunResult[] = [];
  for (let run = 1; run <= argv.runs; run++) {
    const r = await runChild(n, family);
    results.push(r);
    const d = (k: keyof Sample) => ((r.sent[k] - r.baseline[k]) / n).toFixed(1);
    console.log(
      [
        String(run).padEnd(4),
        ((total(r.pending) - total(r.baseline)) / n).toFixed(1).padEnd(16),
        ((total(r.sent) - total(r.baseline)) / n).toFixed(1).padEnd(13),
        ((heapExt(r.sent) - heapExt(r.baseline)) / n).toFixed(1).padEnd(22),
        d('heapUsed').padEnd(9),
        d('external').padEnd(9),
        d('arrayBuffers').padEnd(13),
        r.sendMs.toFixed(0).padEnd(10),
        String(r.updatesSent),
      ].join(' '),
    );
  }
  const per = (f: (r: RunResult) => number) => results.map((r) => f(r) / n);
  const sentPer = per((r) => total(r.sent) - total(r.baseline));
  console.log(
    `pending (before send), B/route:         ${stats(per((r) => total(r.pending) - total(r.baseline)))}`,
  );
  console.log(`retained after send, B/route:          ${stats(sentPer)}`);
  console.log(
    `retained after send, heap+ext, B/route: ${stats(per((r) => heapExt(r.sent) - heapExt(r.baseline)))}`,
  );
  console.log(
    `send time, ms:                         ${stats(
      results.map((r) => r.sendMs),
      0,
    )}`,
  );
  const m = median(sentPer);
  console.log(`goal <= 200 B/route: ${m <= 200 ? 'met' : 'not met'} (median ${m.toFixed(1)})`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
