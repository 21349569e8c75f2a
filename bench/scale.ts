/**
 * Session scale (issue 8, item 3): K simulated MetalLB nodes x P BGPPeers = K*P BGP sessions,
 * driven through the product as `speakersim run` drives a scenario: a ScenarioSession (API
 * server, MetalLB controller, one NodeSpeaker per node, each with a session to every BGPPeer;
 * BGPSessionState and the other status CRs written as usual) on real time, against
 *   - frr:     one netns lab with P FRR 8.4 routers, each with K neighbors (one per node); node
 *              addresses live on the lab's host-side bridge, one address per node,
 *   - builtin: P builtin routers (speakersim's own BGP in the router's role) in this process,
 *              over the in-memory network; their CPU and memory count in the figures.
 * Addresses: 198.19.64.0/22 only (routers .1 up, nodes from .101), IPv4 only: the scenario's
 * automatic IPv6 addresses are removed, so FRR has exactly K neighbors per router and no
 * IPv6 neighbor that no BGPPeer uses. No BFD, no Service (sessions only).
 * Timers: the BGPPeers leave holdTime unset, so the speakers use 180 s / 60 s (FRR's and
 * frr-k8s's defaults), unless --hold-time N sets holdTime N s and keepaliveTime N/3 s; FRR runs
 * `frr defaults traditional` (60 s / 180 s) with `timers connect 2`, as scenario labs do.
 *
 * Each run is a fresh child process (so RSS and CPU are that run's alone) and measures:
 *   - start (ScenarioSession.start: lab or builtin routers, API server, runtime, manifests) ->
 *     all K*P Established as the node speakers see it (their BGP FSM transitions), split into
 *     boot (-> the first session leaves Idle) and BGP (-> all Established), and when the last
 *     session left Idle (how long the runtime took to start them all),
 *   - all Established -> the runtime is idle (every BGPSessionState written: the CRs' lag),
 *   - CPU time of the speakersim process (process.cpuUsage, user+sys) during bring-up and
 *     during the hold, as % of one core; the event loop's longest delay in both phases,
 *   - RSS (process.memoryUsage().rss): peak, sampled every second, and at the end,
 *   - memory per session (issue 16, goal <= 50 KiB): RSS and V8 heapUsed after full GCs at the
 *     end of the hold minus the same before the start, over K*P, each read 2 s after the GCs
 *     (V8 unmaps the pages they freed from a background thread); everything in the process
 *     counts (API server and its objects, timeline, controller, node speakers, and for builtin
 *     the routers' side of every session too); the session gives freed C heap back itself when
 *     idle (src/core/memory.ts), as under `speakersim run`,
 *   - frr: the routers' bgpd and zebra RSS at the end of the hold (from /proc, summed),
 *   - CPU per session: bring-up CPU over K*P, and hold CPU per session per second,
 *   - flaps: sessions leaving Established after all were up, until the end of the hold, as
 *     the speakers see it, and as the routers count them during the hold (FRR's
 *     connectionsDropped/connectionsEstablished in `show bgp ipv4 unicast summary json`, the
 *     builtin routers' establishedTransitions, or a neighbor not Established); goal zero,
 *   - at the end: neighbors Established on the routers (FRR's own count) and BGPSessionState
 *     objects showing Established; both must be K*P.
 * The hold (--hold-seconds) starts once the status writes have caught up. Prints median (min,
 * max) over the runs per backend, with the machine's facts. Root is needed for frr only.
 *
 *   sudo npm run bench:scale -- --nodes 250 --peers 4 --runs 5 --hold-seconds 300 \
 *     --backend frr,builtin
 * The runs load the compiled product (dist/, built first) unless --code src; --heap-snapshot F
 * writes a V8 heap snapshot at the end of the hold.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { Address4 } from 'ip-address';
import type * as LoadModule from '../src/scenario/load.js';
import type * as SessionModule from '../src/scenario/runner/session.js';
import type { ScenarioSession } from '../src/scenario/runner/session.js';
import { readFileSync } from 'node:fs';
import { checkPrerequisites, labDown, labStatus } from '../src/lab/lifecycle.js';
import { getHeapSpaceStatistics, writeHeapSnapshot, type HeapSpaceInfo } from 'node:v8';
import { collector, settledMemory } from './heap.js';
import { spread } from './stats.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '250' },
    peers: { type: 'string', default: '4' },
    runs: { type: 'string', default: '5' },
    'hold-seconds': { type: 'string', default: '300' },
    backend: { type: 'string', default: 'frr,builtin' },
    /** BGPPeer holdTime in seconds (keepalive = hold / 3); default: unset (180 s / 60 s). */
    'hold-time': { type: 'string' },
    'timeout-seconds': { type: 'string', default: '600' },
    /**
     * dist (default): the runs load the product as shipped, compiled by `npm run build` (which
     * the bench runs first); src: the TypeScript sources through tsx, whose esbuild keepNames
     * gives every named closure its own property dictionary (~8 KiB more per session here).
     */
    code: { type: 'string', default: 'dist' },
    /** Write a V8 heap snapshot of the (last) run at the end of its hold, to this file. */
    'heap-snapshot': { type: 'string' },
    child: { type: 'string' },
  },
});

const K = Number(values.nodes);
const P = Number(values.peers);
const RUNS = Number(values.runs);
const HOLD_S = Number(values['hold-seconds']);
const HOLD_TIME = values['hold-time'] === undefined ? undefined : Number(values['hold-time']);
const TIMEOUT_S = Number(values['timeout-seconds']);
const HEAP_SNAPSHOT = values['heap-snapshot'];
const CODE = values.code;
if (CODE !== 'dist' && CODE !== 'src') throw new Error('--code: dist or src');

/** The parts of the product a run drives, from the compiled build or the sources. */
async function product(): Promise<{
  parseScenario: typeof LoadModule.parseScenario;
  ScenarioSession: typeof ScenarioSession;
}> {
  const root = CODE === 'dist' ? '../dist' : '../src';
  const [load, runner] = await Promise.all([
    import(`${root}/scenario/load.js`) as Promise<typeof LoadModule>,
    import(`${root}/scenario/runner/session.js`) as Promise<typeof SessionModule>,
  ]);
  return { parseScenario: load.parseScenario, ScenarioSession: runner.ScenarioSession };
}
/** How long after the final collections memory is read (V8 releases freed pages meanwhile). */
const RELEASE_MS = 2000;
/** Issue 16: memory per session, RSS grown over the process before the scenario started. */
const GOAL_KIB_PER_SESSION = 50;
const LAB = 'scale';
const SUBNET = '198.19.64.0/22';
const FIRST_NODE_HOST = 101;
const ROUTER_ASN = 64500;
const NODE_ASN = 64501;

type BackendName = 'frr' | 'builtin';

if (!Number.isInteger(K) || K < 1 || K > 900) throw new Error('--nodes: 1..900');
if (!Number.isInteger(P) || P < 1 || P > 36) throw new Error('--peers: 1..36 (lab routers)');
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs: at least 1');
if (!(HOLD_S >= 0)) throw new Error('--hold-seconds: a number >= 0');
if (HOLD_TIME !== undefined && !(Number.isInteger(HOLD_TIME) && HOLD_TIME >= 3)) {
  throw new Error('--hold-time: whole seconds, at least 3 (RFC 4271 4.2)');
}

/** Host `n` of the lab subnet. */
function host(n: number): string {
  const base = new Address4(SUBNET).startAddress().bigInt();
  return Address4.fromBigInt(base + BigInt(n)).correctForm();
}
const routerAddress = (i: number): string => host(1 + i);
const nodeName = (i: number): string => `node-${String(i + 1).padStart(3, '0')}`;
const prefixLength = SUBNET.split('/')[1]!;

/** The scenario `speakersim run` would load: K nodes, P routers, one BGPPeer per router. */
function scenarioText(backend: BackendName): string {
  const timers =
    HOLD_TIME === undefined
      ? {}
      : { holdTime: `${HOLD_TIME}s`, keepaliveTime: `${Math.floor(HOLD_TIME / 3)}s` };
  return stringify({
    name: 'session-scale',
    backend: backend === 'frr' ? 'netns' : 'builtin',
    clock: 'real',
    topology: {
      lab: LAB,
      subnets: { ipv4: SUBNET },
      routers: Array.from({ length: P }, (_, i) => ({
        name: `r${i + 1}`,
        asn: ROUTER_ASN,
        addresses: { ipv4: `${routerAddress(i)}/${prefixLength}` },
      })),
      nodes: Array.from({ length: K }, (_, i) => ({
        name: nodeName(i),
        addresses: { ipv4: `${host(FIRST_NODE_HOST + i)}/${prefixLength}` },
      })),
    },
    resources: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metallb-system' } },
      ...Array.from({ length: P }, (_, i) => ({
        apiVersion: 'metallb.io/v1beta2',
        kind: 'BGPPeer',
        metadata: { name: `r${i + 1}`, namespace: 'metallb-system' },
        spec: { myASN: NODE_ASN, peerASN: ROUTER_ASN, peerAddress: routerAddress(i), ...timers },
      })),
    ],
    steps: [],
  });
}

// ---------------------------------------------------------------------------------------------
// One run (child process)

interface RunResult {
  ok: boolean;
  error?: string;
  sessions: number;
  /** Established at the end of bring-up (K*P unless it timed out). */
  established: number;
  /** Start -> the first session leaves Idle (lab up, API server, runtime, BGPPeers applied). */
  bootMs: number;
  /** Start -> all Established. */
  upMs: number;
  /** First session leaves Idle -> all Established. */
  bgpUpMs: number;
  /** All Established -> the runtime is idle (BGPSessionState written for every session). */
  catchUpMs: number;
  /** BGPSessionState objects showing Established at the end. */
  crEstablished: number;
  /** Start -> the last session leaves Idle (the runtime has started every session). */
  lastStartMs: number;
  cpuUpMs: number;
  cpuUpPct: number;
  cpuHoldMs: number;
  cpuHoldPct: number;
  lagUpMaxMs: number;
  lagHoldMaxMs: number;
  rssPeakMiB: number;
  rssEndMiB: number;
  /** RSS and V8 heap (used, after a full GC) at the end minus before the start, per session. */
  rssPerSessionKiB: number;
  heapPerSessionKiB: number;
  /** frr: the routers' bgpd and zebra RSS at the end of the hold, summed over the routers. */
  bgpdRssMiB: number;
  zebraRssMiB: number;
  holdMs: number;
  /** Sessions leaving Established during bring-up (before all were up). */
  dropsBringUp: number;
  flapsSpeaker: number;
  flapsRouter: number;
  /** Neighbors Established on the routers at the end (sum over routers). */
  routerEstablished: number;
  negotiated: string;
}

/** A result with nothing measured yet (NaN prints as n/a and stays out of the medians). */
function emptyResult(error?: string): RunResult {
  return {
    ok: false,
    ...(error === undefined ? {} : { error }),
    sessions: K * P,
    established: 0,
    bootMs: NaN,
    upMs: NaN,
    bgpUpMs: NaN,
    lastStartMs: NaN,
    catchUpMs: NaN,
    crEstablished: NaN,
    cpuUpMs: NaN,
    cpuUpPct: NaN,
    cpuHoldMs: NaN,
    cpuHoldPct: NaN,
    lagUpMaxMs: NaN,
    lagHoldMaxMs: NaN,
    rssPeakMiB: NaN,
    rssEndMiB: NaN,
    rssPerSessionKiB: NaN,
    heapPerSessionKiB: NaN,
    bgpdRssMiB: NaN,
    zebraRssMiB: NaN,
    holdMs: NaN,
    dropsBringUp: 0,
    flapsSpeaker: NaN,
    flapsRouter: NaN,
    routerEstablished: NaN,
    negotiated: '',
  };
}

interface RouterCounts {
  state: string;
  established: number;
  dropped: number;
}

/** Per router, per neighbor address: state and connection counters, as the router sees them. */
async function routerView(
  session: ScenarioSession,
  backend: BackendName,
): Promise<Map<string, RouterCounts>> {
  const out = new Map<string, RouterCounts>();
  for (let i = 0; i < P; i++) {
    const router = `r${i + 1}`;
    if (backend === 'frr') {
      const summary = JSON.parse(
        await session.peers.vtysh(router, ['show bgp ipv4 unicast summary json']),
      ) as {
        peers?: Record<
          string,
          { state?: string; connectionsEstablished?: number; connectionsDropped?: number }
        >;
      };
      for (const [addr, p] of Object.entries(summary.peers ?? {})) {
        out.set(`${router}|${addr}`, {
          state: p.state ?? '?',
          established: p.connectionsEstablished ?? 0,
          dropped: p.connectionsDropped ?? 0,
        });
      }
    } else {
      for (const [addr, n] of Object.entries(await session.peers.neighbors(router))) {
        out.set(`${router}|${addr}`, {
          state: n.state,
          established: n.connectionsEstablished ?? 0,
          dropped: n.connectionsDropped ?? 0,
        });
      }
    }
  }
  return out;
}

const mib = (bytes: number): number => bytes / 1024 / 1024;

/** VmRSS of a process, bytes (NaN when it is gone). */
function processRss(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? NaN : Number(kb) * 1024;
  } catch {
    return NaN;
  }
}
/** `met` when every run's figure meets the goal, `NOT met` otherwise. */
const meets = (xs: number[], ok: (v: number) => boolean): string =>
  xs.length > 0 && xs.every(ok) ? 'met' : 'NOT met';
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

async function runOnce(backend: BackendName): Promise<RunResult> {
  const { parseScenario, ScenarioSession } = await product();
  const parsed = parseScenario(scenarioText(backend), 'bench/scale.generated.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const scenario = parsed.scenario;
  // IPv4 only: no IPv6 neighbors on the routers and no IPv6 InternalIPs on the Nodes.
  for (const x of [...scenario.topology.routers, ...scenario.topology.nodes]) {
    delete x.addresses.ipv6;
  }
  const total = K * P;
  const state = new Map<string, string>();
  const established = new Set<string>();
  let firstActive: number | undefined;
  let lastStart = NaN;
  let allUp: number | undefined;
  /** From all Established to the routers' last look: a session leaving Established is a flap. */
  let holding = false;
  let dropsBringUp = 0;
  let flapsSpeaker = 0;
  let onAllUp: () => void = () => undefined;
  const allUpPromise = new Promise<void>((r) => (onAllUp = r));

  const gc = collector();
  const memBefore = await settledMemory(gc, RELEASE_MS);
  const spacesBefore = getHeapSpaceStatistics();
  let rssPeak = 0;
  const sampleRss = (): void => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  };
  const sampler = setInterval(sampleRss, 1000);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();

  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let cpuAtAllUp: NodeJS.CpuUsage | undefined;
  let lagUpMax = NaN;
  let session: ScenarioSession | undefined;
  const result = emptyResult();
  try {
    session = await ScenarioSession.start(scenario, {
      clock: 'real',
      onEvent: (e) => {
        if (e.kind !== 'bgp-transition') return;
        const key = `${e.node}|${e.peer}`;
        firstActive ??= performance.now();
        if (!state.has(key)) lastStart = performance.now();
        state.set(key, e.to);
        if (e.to === 'Established') {
          established.add(key);
          if (allUp === undefined && established.size === total) {
            allUp = performance.now();
            cpuAtAllUp = process.cpuUsage(cpu0);
            lagUpMax = lag.max / 1e6;
            holding = true;
            onAllUp();
          }
        } else if (e.from === 'Established') {
          established.delete(key);
          if (allUp === undefined) {
            dropsBringUp++;
            console.error(`  drop: ${e.node} -> ${e.peer}: ${e.from} -> ${e.to} (${e.reason})`);
          } else if (holding) {
            flapsSpeaker++;
            console.error(`  flap: ${e.node} -> ${e.peer}: ${e.from} -> ${e.to} (${e.reason})`);
          }
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      allUpPromise.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), TIMEOUT_S * 1000))),
    ]);
    clearTimeout(timer);
    result.established = established.size;
    result.dropsBringUp = dropsBringUp;
    if (timedOut || allUp === undefined) {
      const byState = new Map<string, number>();
      for (const s of state.values()) byState.set(s, (byState.get(s) ?? 0) + 1);
      result.error = `only ${established.size}/${total} Established after ${TIMEOUT_S} s (${[
        ...byState,
      ]
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}; ${total - state.size} never left Idle)`;
      return result;
    }
    const cpuUp = cpuMs(cpuAtAllUp!);
    result.upMs = allUp - t0;
    result.bootMs = firstActive! - t0;
    result.bgpUpMs = allUp - firstActive!;
    result.lastStartMs = lastStart - t0;
    result.cpuUpMs = cpuUp;
    result.cpuUpPct = (cpuUp / (allUp - t0)) * 100;
    result.lagUpMaxMs = lagUpMax;
    const neg = session.runtime.speaker(nodeName(0))?.sessions()[0]?.bgp?.session.negotiated;
    result.negotiated = neg
      ? `hold ${neg.holdTimeSeconds} s, keepalive ${neg.keepaliveTimeMs / 1000} s`
      : '?';

    // BGPSessionState (one per session) trails the FSM: let the status writes catch up, so the
    // hold measures steady state. Sessions leaving Established meanwhile count as flaps.
    let quietSince = performance.now();
    const settleLimit = performance.now() + TIMEOUT_S * 1000;
    while (performance.now() - quietSince < 500 && performance.now() < settleLimit) {
      await new Promise((r) => setTimeout(r, 50));
      if (session.runtime.busy) quietSince = performance.now();
    }
    result.catchUpMs = quietSince - allUp;

    const before = await routerView(session, backend);
    lag.reset();
    const h0 = performance.now();
    const cpuH0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, HOLD_S * 1000));
    const cpuHold = cpuMs(process.cpuUsage(cpuH0));
    result.holdMs = performance.now() - h0;
    result.cpuHoldMs = cpuHold;
    result.cpuHoldPct = result.holdMs > 0 ? (cpuHold / result.holdMs) * 100 : NaN;
    result.lagHoldMaxMs = lag.max / 1e6;
    sampleRss();
    result.rssEndMiB = mib(process.memoryUsage().rss);
    result.rssPeakMiB = mib(rssPeak);
    const memAfter = await settledMemory(gc, RELEASE_MS);
    if (backend === 'frr') {
      const routers = (await labStatus(session.labName)).routers;
      const sum = (d: 'bgpd' | 'zebra'): number =>
        routers.reduce((a, r) => a + processRss(r.pids[d]), 0);
      result.bgpdRssMiB = mib(sum('bgpd'));
      result.zebraRssMiB = mib(sum('zebra'));
    }
    result.rssPerSessionKiB = (memAfter.rss - memBefore.rss) / 1024 / total;
    result.heapPerSessionKiB = (memAfter.heapUsed - memBefore.heapUsed) / 1024 / total;
    const show = (m: NodeJS.MemoryUsage): string =>
      (['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const)
        .map((k) => `${k} ${mib(m[k]).toFixed(0)}`)
        .join(', ');
    console.error(`  memory, MiB: before ${show(memBefore)}; after ${show(memAfter)}`);
    const spaces = (xs: HeapSpaceInfo[]): string =>
      xs
        .map(
          (x) =>
            `${x.space_name.replace('_space', '')} ${mib(x.space_size).toFixed(0)}/${mib(x.space_used_size).toFixed(0)}/${mib(x.physical_space_size).toFixed(0)}`,
        )
        .join(', ');
    console.error(`  heap spaces, MiB size/used/physical: before ${spaces(spacesBefore)}`);
    console.error(
      `                                       after  ${spaces(getHeapSpaceStatistics())}`,
    );
    if (HEAP_SNAPSHOT) console.error(`  heap snapshot: ${writeHeapSnapshot(HEAP_SNAPSHOT)}`);

    const after = await routerView(session, backend);
    holding = false;
    const states = await session.client.list('frrk8s.metallb.io/v1beta1', 'BGPSessionState', {
      namespace: 'openshift-frr-k8s',
    });
    result.crEstablished = states.filter(
      (o) => (o as { status?: { bgpStatus?: string } }).status?.bgpStatus === 'Established',
    ).length;
    result.flapsSpeaker = flapsSpeaker;
    let routerFlaps = 0;
    let routerUp = 0;
    for (const [key, a] of after) {
      const b = before.get(key);
      const up = a.state === 'Established';
      if (up) routerUp++;
      const d = Math.max(
        a.dropped - (b?.dropped ?? 0),
        a.established - (b?.established ?? 0),
        up ? 0 : 1,
      );
      if (d > 0) console.error(`  router flap: ${key}: ${d} (now ${a.state})`);
      routerFlaps += d;
    }
    result.flapsRouter = routerFlaps;
    result.routerEstablished = routerUp;
    result.ok = routerUp === total && established.size === total && result.crEstablished === total;
    if (!result.ok) {
      result.error = `at the end: ${routerUp}/${total} Established on the routers, ${established.size}/${total} on the speakers, ${result.crEstablished}/${total} in BGPSessionState`;
    }
    return result;
  } catch (e) {
    result.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return result;
  } finally {
    clearInterval(sampler);
    lag.disable();
    await session?.close().catch(() => undefined);
    if (backend === 'frr') await labDown(LAB, { force: true }).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Driver (parent process)

/** The run in progress, so that a signal to this process stops it (and it removes its lab). */
let current: ChildProcess | undefined;

function runChild(backend: BackendName): Promise<RunResult> {
  return new Promise((resolve) => {
    const args = [
      '--child',
      backend,
      '--nodes',
      String(K),
      '--peers',
      String(P),
      '--hold-seconds',
      String(HOLD_S),
      '--timeout-seconds',
      String(TIMEOUT_S),
      ...(HOLD_TIME === undefined ? [] : ['--hold-time', String(HOLD_TIME)]),
      ...(HEAP_SNAPSHOT === undefined ? [] : ['--heap-snapshot', HEAP_SNAPSHOT]),
      '--code',
      CODE,
    ];
    const child = fork(fileURLToPath(import.meta.url), args, {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let got: RunResult | undefined;
    child.on('message', (m: RunResult) => (got = m));
    current = child;
    child.on('exit', (code, signal) => {
      current = undefined;
      resolve(got ?? emptyResult(`child exited with ${signal ?? code} before reporting`));
    });
  });
}

function frrVersion(): string {
  const r = spawnSync('/usr/lib/frr/bgpd', ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(r.stdout ?? '')?.[1] ?? 'not installed';
}

async function main(): Promise<void> {
  if (values.child) {
    const r = await runOnce(values.child as BackendName);
    process.send?.(r);
    process.disconnect?.();
    return;
  }
  const backends = values.backend.split(',').map((b) => b.trim()) as BackendName[];
  for (const b of backends) {
    if (b !== 'frr' && b !== 'builtin') throw new Error(`unknown backend ${b}: use frr, builtin`);
  }
  if (backends.includes('frr')) checkPrerequisites();
  if (CODE === 'dist') {
    const build = spawnSync('npm', ['run', 'build'], { encoding: 'utf8', timeout: 600_000 });
    if (build.status !== 0)
      throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  }
  const cpu = cpus();
  console.log(
    `session scale: ${K} nodes x ${P} peers = ${K * P} sessions, ${RUNS} run(s), hold ${HOLD_S} s, code ${CODE === 'dist' ? 'dist (npm run build)' : 'src (tsx)'}`,
  );
  console.log(
    `machine: ${cpu.length} CPUs (${cpu[0]?.model ?? '?'}), node ${process.version}, FRR ${frrVersion()}`,
  );
  console.log(
    `timers: BGPPeer ${HOLD_TIME === undefined ? 'holdTime unset (speaker 180 s / 60 s)' : `holdTime ${HOLD_TIME} s, keepaliveTime ${Math.floor(HOLD_TIME / 3)} s`}; ` +
      'FRR defaults traditional (keepalive 60 s, hold 180 s), timers connect 2 s; no BFD',
  );
  let ok = true;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // The child removes its own lab on SIGINT/SIGTERM; sweep again once it is gone, then leave.
    stopping = true;
    const child = current;
    const sweep = (): void =>
      void labDown(LAB, { force: true })
        .catch(() => undefined)
        .finally(() => process.exit(130));
    if (child && child.exitCode === null && child.signalCode === null) {
      child.once('exit', sweep);
      child.kill(signal);
    } else sweep();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (const backend of backends) {
    const results: RunResult[] = [];
    for (let run = 0; run < RUNS && !stopping; run++) {
      let r: RunResult;
      try {
        r = await runChild(backend);
      } finally {
        if (backend === 'frr') await labDown(LAB, { force: true }).catch(() => undefined);
      }
      results.push(r);
      const line = r.ok
        ? `up ${(r.upMs / 1000).toFixed(2)} s, flaps ${r.flapsSpeaker}/${r.flapsRouter}, ` +
          `CPU hold ${r.cpuHoldPct.toFixed(1)} %, RSS peak ${r.rssPeakMiB.toFixed(0)} MiB`
        : `FAILED: ${r.error}`;
      console.log(`  ${backend} run ${run + 1}/${RUNS}: ${line}`);
      if (!r.ok) ok = false;
    }
    const good = results.filter((r) => Number.isFinite(r.upMs));
    const col = (f: (r: RunResult) => number, digits = 0): string =>
      spread(good.map(f), { digits, compact: true });
    const label =
      backend === 'frr' ? `FRR ${frrVersion()} in netns` : 'builtin routers (in process)';
    console.log(
      `\n${backend}: ${K} x ${P} = ${K * P} sessions vs ${label}; median (min, max) over ${good.length}/${results.length} runs; negotiated ${good[0]?.negotiated ?? '?'}`,
    );
    const rows: [string, string][] = [
      ['start -> all Established, s', col((r) => r.upMs / 1000, 2)],
      ['  of which boot (lab, API server, runtime), s', col((r) => r.bootMs / 1000, 2)],
      ['  first session start -> all Established, s', col((r) => r.bgpUpMs / 1000, 2)],
      ['  start -> the last session leaves Idle, s', col((r) => r.lastStartMs / 1000, 2)],
      ['all Established -> status CRs caught up, s', col((r) => r.catchUpMs / 1000, 2)],
      ['CPU during bring-up, s (user+sys)', col((r) => r.cpuUpMs / 1000, 2)],
      ['CPU during bring-up, % of one core', col((r) => r.cpuUpPct, 1)],
      ['  per session, ms', col((r) => r.cpuUpMs / r.sessions, 2)],
      ['CPU during hold, % of one core', col((r) => r.cpuHoldPct, 2)],
      [
        '  per session, us of CPU per second held',
        col((r) => ((r.cpuHoldMs / r.sessions) * 1000) / (r.holdMs / 1000), 2),
      ],
      [
        'event-loop delay max, bring-up / hold, ms',
        `${col((r) => r.lagUpMaxMs)} / ${col((r) => r.lagHoldMaxMs)}`,
      ],
      ['RSS peak, MiB', col((r) => r.rssPeakMiB)],
      ['RSS at end, MiB', col((r) => r.rssEndMiB)],
      [
        `RSS per session, KiB (goal <= ${GOAL_KIB_PER_SESSION})`,
        `${col((r) => r.rssPerSessionKiB, 1)} ${meets(
          good.map((r) => r.rssPerSessionKiB),
          (v) => v <= GOAL_KIB_PER_SESSION,
        )}`,
      ],
      ['V8 heap per session, KiB', col((r) => r.heapPerSessionKiB, 1)],
      ...(backend === 'frr'
        ? ([
            [`FRR bgpd RSS, all ${P} routers, MiB`, col((r) => r.bgpdRssMiB)],
            ['  per session, KiB', col((r) => (r.bgpdRssMiB * 1024) / r.sessions, 1)],
            [`FRR zebra RSS, all ${P} routers, MiB`, col((r) => r.zebraRssMiB)],
          ] as [string, string][])
        : []),
      ['drops during bring-up (speaker)', col((r) => r.dropsBringUp)],
      [
        `flaps in ${HOLD_S} s hold, speaker side (goal 0)`,
        `${col((r) => r.flapsSpeaker)} ${meets(
          good.map((r) => r.flapsSpeaker),
          (v) => v === 0,
        )}`,
      ],
      [
        `flaps in ${HOLD_S} s hold, router side (goal 0)`,
        `${col((r) => r.flapsRouter)} ${meets(
          good.map((r) => r.flapsRouter),
          (v) => v === 0,
        )}`,
      ],
      [`Established on the routers at end (of ${K * P})`, col((r) => r.routerEstablished)],
      [`BGPSessionState Established at end (of ${K * P})`, col((r) => r.crEstablished)],
    ];
    for (const [k, v] of rows) console.log(`  ${k.padEnd(48)} ${v}`);
    if (backend === 'builtin') {
      console.log('  (builtin: the routers run in this process; their CPU and RSS are included)');
    }
  }
  if (!ok) process.exitCode = 1;
}

await main();
