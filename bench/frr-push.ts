/**
 * Route push into real FRR (needs root and Debian's frr; `--speakers bird` needs bird2,
 * `--speakers gobgp` needs gobgpd): one
 * FRR 8.4 router in a network namespace and one pushing speaker on the node's address, with
 * all N /32 routes loaded before the session comes up. Measures, per run, as FRR sees it:
 *   - lab up -> FRR's neighbor Established (ms),
 *   - Established -> FRR has accepted all N routes (pfxRcd, ms),
 *   - withdraw all -> FRR holds none (ms), and how many UPDATEs FRR counted for it.
 * Run r of every speaker comes before run r + 1 of any, so that the load of the (shared)
 * machine falls on all alike. Prints median, min and max over the runs per speaker, the load
 * average before and after, and speakersim beside each other speaker: `ahead of X: yes/no`.
 * --profile-withdraw DIR writes a CPU profile of each speakersim withdrawal (it runs in this
 * process) from its start until FRR holds none.
 * Every step has a time limit (bench/step.ts): a daemon that hangs ends the bench with the
 * step's name, and the daemon, its files and the lab are removed on every path.
 *   sudo npx tsx bench/frr-push.ts [--routes 10000,100000] [--runs 5]
 *     [--speakers speakersim,gobgp,bird] [--profile-withdraw DIR]
 */
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { SystemClock } from '../src/core/clock.js';
import { systemRandom } from '../src/core/random.js';
import { TcpTransport } from '../src/bgp/io/tcp.js';
import { Speaker } from '../src/bgp/speaker.js';
import { attributeBytes } from '../src/bgp/wire/attributes/index.js';
import { LabCommandError } from '../src/lab/errors.js';
import { run } from '../src/lab/exec.js';
import { labDown, labUp } from '../src/lab/lifecycle.js';
import { vtyshCommands } from '../src/lab/router-state.js';
import type { LabTopology } from '../src/lab/topology.js';
import { median, spread } from './stats.js';
import { step, stopChild, until } from './step.js';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    speakers: { type: 'string', default: 'speakersim' },
    'profile-withdraw': { type: 'string' },
  },
});
const speakers = values.speakers.split(',');
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

/** How many BGP routes zebra has installed in the kernel (`show ip route summary json`). */
async function inFib(): Promise<number> {
  const out = JSON.parse(await vtyshCommands(ref, ['show ip route summary json'])) as {
    routes?: { type?: string; fib?: number }[];
  };
  return out.routes?.find((r) => r.type === 'ebgp' || r.type === 'bgp')?.fib ?? 0;
}

/**
 * Waits for `cond` as one named step with a time limit. A vtysh call killed at its own time
 * limit (bgpd busy with a million routes in its input queue does not answer in time) is "not
 * yet": the step's limit bounds the wait; any other failure ends it.
 */
const waitFor = (name: string, cond: () => Promise<boolean>, limitMs: number): Promise<void> =>
  step(name, limitMs, (signal) =>
    until(async () => {
      try {
        return await cond();
      } catch (e) {
        if (e instanceof LabCommandError && e.exitCode === null) return false;
        throw e;
      }
    }, signal),
  );

/** Time limit of a step that handles all N routes: a base plus a share per route. */
const scaled = (baseMs: number, n: number, perRouteMs: number): number => baseMs + n * perRouteMs;

/** CLI calls to a daemon (gobgp, birdc): killed when they take longer than this. */
const CLI_TIMEOUT_MS = 60_000;
/** Paths per `gobgp mrt inject` call. */
const INJECT_CHUNK = 100_000;
/** Repeated routes at the end of GoBGP's MRT file (see mrtRib). */
const MRT_PADDING = 2_000;

const stats = (xs: number[]): string => spread(xs, { unit: 'ms' });

const prefix = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;

async function frrEstablished(): Promise<boolean> {
  const out = JSON.parse(
    await vtyshCommands(ref, ['show bgp neighbors 198.18.30.10 json']),
  ) as Record<string, { bgpState?: string }>;
  return out['198.18.30.10']?.bgpState === 'Established';
}

/** A pushing speaker: started with its routes loaded, then asked to withdraw them all. */
interface Pusher {
  withdrawAll(): Promise<unknown>;
  /** Stops the speaker and removes its files; bounded in time. */
  stop(): Promise<void>;
  /** What the daemon logged, shown when the session does not come up. */
  log?(): string;
}

/** Daemons running now: killed if the bench itself is interrupted or exits. */
const daemons = new Set<ChildProcess>();
const killDaemons = (): void => {
  for (const child of daemons) child.kill('SIGKILL');
};
process.on('exit', killDaemons);
const onSignal = (signal: NodeJS.Signals): void => {
  killDaemons();
  // The lab's own guard tears the lab down; with no other handler, die of the signal.
  if (process.listenerCount(signal) === 1) {
    process.off(signal, onSignal);
    process.kill(process.pid, signal);
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

/** A daemon's output goes to a file in its directory, to show when something goes wrong. */
function daemon(cmd: string, args: string[], dir: string): { child: ChildProcess; log(): string } {
  const path = join(dir, `${cmd}.log`);
  const fd = openSync(path, 'w');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  daemons.add(child);
  child.once('exit', () => daemons.delete(child));
  // A daemon that is not installed: its first wait fails and names it, the bench goes on.
  child.on('error', (e) => {
    daemons.delete(child);
    console.error(`${cmd}: ${e.message}`);
  });
  return {
    child,
    log: () => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return '';
      }
    },
  };
}

async function startSpeakersim(n: number): Promise<Pusher> {
  const clock = new SystemClock();
  const speaker = new Speaker({ clock, random: systemRandom, transport: new TcpTransport(clock) });
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
  for (let i = 0; i < n; i++) peer.announce(prefix(i), { nextHop: '198.18.30.10' });
  peer.session.start();
  return {
    withdrawAll: async () => peer.setRoutes([]),
    stop: () => step('stop speakersim', 30_000, () => speaker.close()),
  };
}

/** BIRD 2 with the routes as static blackholes exported to FRR (Debian's bird2). */
async function startBird(n: number): Promise<Pusher> {
  const dir = mkdtempSync(join(tmpdir(), 'ssim-bird-'));
  const routes: string[] = [];
  for (let i = 0; i < n; i++) routes.push(`  route ${prefix(i)} blackhole;`);
  writeFileSync(
    join(dir, 'bird.conf'),
    [
      'router id 198.18.30.10;',
      'protocol device {}',
      'protocol static s4 {',
      '  ipv4;',
      ...routes,
      '}',
      'protocol bgp r1 {',
      '  local 198.18.30.10 as 64501;',
      // Listen on the node's address only: BIRD's default wildcard [::]:179 fails while any
      // other process on the host listens on port 179 (another lab's speaker), and BIRD then
      // stays down with "No listening socket" instead of connecting.
      '  strict bind yes;',
      '  neighbor 198.18.30.1 as 64500;',
      '  connect retry time 1;',
      '  ipv4 { import none; export all; next hop self; };',
      '}',
      '',
    ].join('\n'),
  );
  const sock = join(dir, 'bird.ctl');
  const { child, log } = daemon(
    'bird',
    ['-f', '-c', join(dir, 'bird.conf'), '-s', sock, '-P', join(dir, 'bird.pid')],
    dir,
  );
  return {
    log,
    withdrawAll: () => run(['birdc', '-s', sock, 'disable', 's4'], { timeoutMs: CLI_TIMEOUT_MS }),
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * An MRT TABLE_DUMP_V2 file (RFC 6396 4.3) holding the N routes, for `gobgp mrt inject global`:
 * a PEER_INDEX_TABLE naming the node itself, then one RIB_IPV4_UNICAST record per prefix with
 * ORIGIN IGP, an empty AS_PATH and NEXT_HOP the node, then `padding` records repeating the
 * first routes: gobgp 3.10's inject loses the last few hundred paths of each call, so the call
 * that ends the file loses repeats, not routes.
 */
function mrtRib(n: number, nextHop: string, padding: number): Buffer {
  const record = (subtype: number, body: Buffer): Buffer => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(13, 4); // TABLE_DUMP_V2
    h.writeUInt16BE(subtype, 6);
    h.writeUInt32BE(body.length, 8);
    return Buffer.concat([h, body]);
  };
  const ip = (s: string): Buffer => Buffer.from(s.split('.').map(Number));
  const peerIndex = Buffer.concat([
    ip(nextHop), // collector BGP ID
    Buffer.from([0, 0]), // no view name
    Buffer.from([0, 1]), // one peer
    Buffer.from([0x02]), // IPv4 address, 4-octet AS
    ip(nextHop),
    ip(nextHop),
    Buffer.from([0, 0, 0xfb, 0xf5]), // AS 64501
  ]);
  const attrs = Buffer.concat([
    attributeBytes(0x40, 1, Buffer.from([0])),
    attributeBytes(0x40, 2, Buffer.alloc(0)),
    attributeBytes(0x40, 3, ip(nextHop)),
  ]);
  const parts = [record(1, peerIndex)];
  for (let i = 0; i < n + padding; i++) {
    const body = Buffer.alloc(4 + 1 + 4 + 2 + 8 + attrs.length);
    body.writeUInt32BE(i, 0);
    body[4] = 32;
    body.writeUInt32BE((10 << 24) | (i % n), 5); // 10.x.y.z, as prefix(i % n)
    body.writeUInt16BE(1, 9);
    body.writeUInt16BE(0, 11); // peer index
    body.writeUInt32BE(0, 13); // originated time
    body.writeUInt16BE(attrs.length, 17);
    attrs.copy(body, 19);
    parts.push(record(2, body));
  }
  return Buffer.concat(parts);
}

/**
 * GoBGP (Debian's gobgpd): started with no neighbor, the routes injected into its global RIB
 * from an MRT file, then the neighbor added, so the routes are there before the session is.
 * gRPC on loopback only.
 */
async function startGobgp(n: number): Promise<Pusher> {
  const dir = mkdtempSync(join(tmpdir(), 'ssim-gobgp-'));
  const api = '127.0.0.1:50061';
  // The gobgp CLI talks to this gobgpd's gRPC on loopback; every call is killed after its limit.
  const gobgp = (args: string[], timeoutMs = CLI_TIMEOUT_MS) =>
    run(['gobgp', '-u', '127.0.0.1', '-p', '50061', ...args], { timeoutMs, allowFailure: true });
  const cli = async (...args: string[]): Promise<string> => cliWithin(CLI_TIMEOUT_MS, ...args);
  const cliWithin = async (timeoutMs: number, ...args: string[]): Promise<string> => {
    const r = await gobgp(args, timeoutMs);
    if (r.code !== 0) throw new Error(`gobgp ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  writeFileSync(
    join(dir, 'gobgpd.toml'),
    [
      '[global.config]',
      '  as = 64501',
      '  router-id = "198.18.30.10"',
      '  local-address-list = ["198.18.30.10"]',
      '',
    ].join('\n'),
  );
  const padding = Math.min(n, MRT_PADDING);
  writeFileSync(join(dir, 'rib.mrt'), mrtRib(n, '198.18.30.10', padding));
  const { child, log } = daemon(
    'gobgpd',
    ['-f', join(dir, 'gobgpd.toml'), '--api-hosts', api, '--pprof-disable', '-l', 'warn'],
    dir,
  );
  const stop = async (): Promise<void> => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'gobgpd answers gRPC',
      async () => (await gobgp(['global'], 5_000)).code === 0,
      10_000,
    );
    // gobgp 3.10's `mrt inject` exits before the server has taken the whole stream (each call
    // lands a few hundred paths, in file order), so inject the rest until the RIB holds all N;
    // a call that adds nothing ends the step instead of looping.
    const inRib = async (): Promise<number> => {
      const out = await cli('global', 'rib', 'summary', '-a', 'ipv4');
      return Number(/Destination: (\d+)/.exec(out)?.[1] ?? 0);
    };
    const mrt = join(dir, 'rib.mrt');
    await step(`gobgp mrt inject of ${n} routes`, scaled(60_000, n, 2), async (signal) => {
      for (let have = 0; have < n && !signal.aborted;) {
        // At most INJECT_CHUNK paths per call, each call with a limit for its share: a single
        // call for 1,000,000 outlived the CLI limit (60 s) on a loaded machine.
        const count = Math.min(n + padding - have, INJECT_CHUNK);
        await cliWithin(
          scaled(CLI_TIMEOUT_MS, count, 1),
          ...['mrt', 'inject', 'global', mrt, String(count), String(have)],
        );
        // The server may still be taking the stream: read until the count stops growing, so
        // the next call skips exactly what the RIB holds.
        let now = await inRib();
        for (let before = -1; now !== before && now < n && !signal.aborted;) {
          before = now;
          await new Promise((r) => setTimeout(r, 500));
          now = await inRib();
        }
        if (now <= have)
          throw new Error(`gobgp mrt inject added nothing (RIB holds ${now} of ${n})`);
        have = now;
      }
    });
    await cli('neighbor', 'add', '198.18.30.1', 'as', '64500');
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    withdrawAll: () =>
      cliWithin(scaled(CLI_TIMEOUT_MS, n, 0.3), 'global', 'rib', '-a', 'ipv4', 'del', 'all'),
    stop,
    log,
  };
}

const starters: Record<string, (n: number) => Promise<Pusher>> = {
  speakersim: startSpeakersim,
  gobgp: startGobgp,
  bird: startBird,
};

/** FRR's count of UPDATE messages received from the node (`messageStats.updatesRecv`). */
async function updatesReceived(): Promise<number> {
  const out = JSON.parse(
    await vtyshCommands(ref, ['show bgp neighbors 198.18.30.10 json']),
  ) as Record<string, { messageStats?: { updatesRecv?: number } }>;
  return out['198.18.30.10']?.messageStats?.updatesRecv ?? NaN;
}

/** What one speaker measured over the runs of one size. */
interface Figures {
  up: number[];
  push: number[];
  fib: number[];
  withdraw: number[];
  unfib: number[];
  /** UPDATE messages FRR received for the withdrawal. */
  withdrawUpdates: number[];
}

const noFigures = (): Figures => ({
  up: [],
  push: [],
  fib: [],
  withdraw: [],
  unfib: [],
  withdrawUpdates: [],
});

/**
 * With --profile-withdraw DIR: a CPU profile of this process (speakersim runs in it) from the
 * withdrawal's start until FRR holds none, one .cpuprofile file per speakersim run.
 */
async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/** One run of one speaker with N routes: lab up, push, withdrawal, lab down. */
async function runOnce(name: string, n: number, index: number, f: Figures): Promise<void> {
  const start = starters[name];
  if (!start) throw new Error(`unknown speaker ${name}: use ${Object.keys(starters).join(', ')}`);
  const t0 = performance.now();
  let pusher: Pusher | undefined;
  try {
    await step('lab up', 120_000, () => labUp(topology, { cleanupOnExit: true, replace: true }));
    pusher = await step(`start ${name} with ${n} routes`, scaled(60_000, n, 3), () => start(n));
    const started = pusher;
    // BIRD reads its N static routes from its configuration before it connects (over a
    // minute for 1,000,000 on a loaded machine): the limit grows with N.
    await waitFor(`${name} Established with FRR`, frrEstablished, scaled(60_000, n, 0.3)).catch(
      async (e: unknown) => {
        const neighbor = await vtyshCommands(ref, ['show bgp neighbors 198.18.30.10']);
        throw new Error(
          `${name} never Established (${String(e)}):\n${neighbor}\n${started.log?.() ?? ''}`,
        );
      },
    );
    const establishedAt = performance.now();
    f.up.push(establishedAt - t0);
    const limit = scaled(60_000, n, 3);
    await waitFor(
      `FRR accepts ${n} routes from ${name}`,
      async () => (await received()) >= n,
      limit,
    );
    f.push.push(performance.now() - establishedAt);
    // FRR goes on installing what it has accepted (bgpd's work queue, zebra, the kernel)
    // after pfxRcd reaches N: withdraw from a quiet router, not one still busy with the push.
    await waitFor(`FRR installs ${n} routes in the FIB`, async () => (await inFib()) >= n, limit);
    f.fib.push(performance.now() - establishedAt);
    const updatesBefore = await updatesReceived();
    const dir = values['profile-withdraw'];
    const file =
      dir && name === 'speakersim' ? join(dir, `withdraw-${n}-${index}.cpuprofile`) : undefined;
    const w0 = performance.now();
    await profiled(file, async () => {
      await step(`${name} withdraws all`, scaled(CLI_TIMEOUT_MS, n, 0.3), () =>
        started.withdrawAll(),
      );
      await waitFor(`FRR drops the routes of ${name}`, async () => (await received()) === 0, limit);
    });
    f.withdraw.push(performance.now() - w0);
    f.withdrawUpdates.push((await updatesReceived()) - updatesBefore);
    await waitFor(`FRR empties the FIB`, async () => (await inFib()) === 0, limit);
    f.unfib.push(performance.now() - w0);
    // Each run as it ends: a bench stopped half-way still leaves its figures.
    const last = (xs: number[]): string => (xs.at(-1) ?? NaN).toFixed(0);
    console.log(
      `run ${index + 1} ${name} ${n}: push ${last(f.push)} ms, in FIB ${last(f.fib)} ms, ` +
        `withdraw ${last(f.withdraw)} ms (${last(f.withdrawUpdates)} UPDATEs), ` +
        `FIB empty ${last(f.unfib)} ms, load ${load()}`,
    );
  } finally {
    // Each cleanup is bounded and runs even when the one before it failed.
    await pusher?.stop().catch((e: unknown) => console.error(`cleanup: ${String(e)}`));
    await step('lab down', 120_000, () => labDown(LAB, { force: true })).catch((e: unknown) =>
      console.error(`cleanup: ${String(e)}`),
    );
  }
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/**
 * `ahead of X: yes/no (ratio)` for speakersim's median beside every other speaker's: the
 * goal of issue 16 is speakersim ahead of both BIRD and GoBGP, push and withdrawal alike.
 */
function ahead(label: string, figures: Map<string, Figures>, pick: (f: Figures) => number[]): void {
  const ours = figures.get('speakersim');
  if (!ours) return;
  const m = median(pick(ours));
  for (const [name, f] of figures) {
    if (name === 'speakersim') continue;
    const theirs = median(pick(f));
    const ratio = m / theirs;
    console.log(
      `  ${label}: speakersim ${m.toFixed(0)} ms, ${name} ${theirs.toFixed(0)} ms, ` +
        `ahead of ${name}: ${m < theirs ? 'yes' : 'no'} (${ratio.toFixed(2)} x)`,
    );
  }
}

/**
 * Runs every size; within a size, run r of every speaker before run r + 1 of any, so a change
 * in the machine's load (it is shared) falls on all speakers alike.
 */
async function main(): Promise<void> {
  for (const n of sizes) {
    const figures = new Map(speakers.map((name) => [name, noFigures()]));
    const loadBefore = load();
    const startedAt = new Date().toISOString();
    for (let r = 0; r < runs; r++) {
      for (const name of speakers) await runOnce(name, n, r, figures.get(name)!);
    }
    console.log(
      `${n} /32 routes, ${runs} runs per speaker interleaved, FRR 8.4 in a netns ` +
        `(${startedAt} -> ${new Date().toISOString()}, load average ${loadBefore} -> ${load()}):`,
    );
    for (const [name, f] of figures) {
      console.log(`${name}:`);
      console.log(`  lab up -> Established:        ${stats(f.up)}`);
      console.log(`  Established -> all in FRR:    ${stats(f.push)}`);
      console.log(`  Established -> all in FIB:    ${stats(f.fib)}`);
      console.log(`  withdraw all -> none in FRR:  ${stats(f.withdraw)}`);
      console.log(`  withdraw all -> none in FIB:  ${stats(f.unfib)}`);
      console.log(`  withdrawal UPDATEs (FRR):     ${spread(f.withdrawUpdates)}`);
    }
    ahead('push (all in FRR)', figures, (f) => f.push);
    ahead('withdrawal (none in FRR)', figures, (f) => f.withdraw);
  }
}

main().catch((e: unknown) => {
  console.error(`bench:frr-push: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
