/**
 * BFD scale benchmark: N sessions at 50 ms x 3 between two speakersim endpoints over real UDP
 * on loopback, each endpoint in its own process (this one, A, measures; a forked child, B, is
 * the peer), so each has its own event loop as two speakers would.
 *
 * For each N (default 100, 250, 500, 1000): bring all sessions Up, run steady for --seconds
 * (default 60) counting false Downs on both sides, then B goes silent at once and A's detection
 * latency is measured per session: from the moment B stopped (loss onset) and from A's own
 * deadline (last packet + Detection Time: how late the timer fired). Reports the largest N
 * with zero false Down.
 *
 * Each N is measured --runs times (default 5), every run in fresh processes (A is a forked
 * child too, so runs share no heap, sockets or timers), one row per run; then the median (min,
 * max) over the runs of detection p50, p99 and the false-Down count (A + B) per N. --intervals
 * 50,300 measures every N at each interval in turn (default: --interval).
 *
 * Addresses: RFC 5881 3 allows one session per address pair, so A's sessions each use their
 * own loopback address 127.1.x.y (one listener each) and B uses 127.0.0.2. Loopback only.
 *
 *   npm run bench:bfd -- --seconds 10 --sizes 100,250,500,1000 [--interval 50 --mult 3]
 *   npm run bench:bfd -- --intervals 50,300 --runs 5 --seconds 60 --sizes 100,250,500,1000
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SystemClock } from '../src/core/clock.js';
import { systemRandom } from '../src/core/random.js';
import { spread } from './stats.js';
import {
  BfdDiagnostic,
  BfdSessionTable,
  BfdState,
  createUdpBfdTransport,
  type BfdSession,
} from '../src/bfd/index.js';

// Set from --interval / --mult before any session starts.
const TIMERS = { desiredMinTxMs: 50, requiredMinRxMs: 50, detectMult: 3 };

/** Linux's host-wide count of UDP datagrams dropped for a full receive buffer. */
function udpRcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')]);
  } catch {
    return NaN;
  }
}
const B_ADDRESS = '127.0.0.2';
const A_PORT = 23784; // unprivileged stand-in for 3784
const clock = new SystemClock();
const epochNow = (): number => performance.timeOrigin + performance.now();

function aAddress(i: number): string {
  const host = i + 1; // 127.1.0.1 upwards; all of 127.0.0.0/8 is local on Linux
  return `127.1.${(host >> 8) & 0xff}.${host & 0xff}`;
}

type ToPeer =
  { cmd: 'start'; n: number } | { cmd: 'report' } | { cmd: 'silence' } | { cmd: 'exit' };
type FromPeer =
  | { ev: 'ready'; port: number }
  | {
      ev: 'report';
      up: number;
      downs: number;
      sent: number;
      received: number;
      /** Largest event-loop lag seen since the previous report (ms). */
      maxLagMs: number;
    }
  | { ev: 'silenced'; at: number };

/* ---------------------------------------------------------------- peer (B) process --- */

async function runPeer(): Promise<void> {
  let table: BfdSessionTable | undefined;
  let downs = 0;
  let maxLag = 0;
  let last = clock.now();
  setInterval(() => {
    const now = clock.now();
    maxLag = Math.max(maxLag, now - last - 20);
    last = now;
  }, 20).unref();
  const send = (m: FromPeer): void => {
    process.send?.(m);
  };
  const handle = async (m: ToPeer): Promise<void> => {
    if (m.cmd === 'start') {
      table = new BfdSessionTable({ clock, random: systemRandom });
      const transport = await createUdpBfdTransport({ localAddress: B_ADDRESS, listenPort: 0 });
      table.addTransport(transport);
      downs = 0;
      for (let i = 0; i < m.n; i++) {
        const s = await table.addSession({
          localAddress: B_ADDRESS,
          peerAddress: aAddress(i),
          peerPort: A_PORT,
          ...TIMERS,
        });
        s.on('down', () => downs++);
      }
      send({ ev: 'ready', port: transport.local.port });
    } else if (m.cmd === 'report') {
      const sessions = table?.sessions() ?? [];
      send({
        ev: 'report',
        up: sessions.filter((s) => s.state === BfdState.Up).length,
        downs,
        sent: sessions.reduce((a, s) => a + s.counters.packetsSent, 0),
        received: sessions.reduce((a, s) => a + s.counters.packetsReceived, 0),
        maxLagMs: maxLag,
      });
      maxLag = 0;
    } else if (m.cmd === 'silence') {
      const at = epochNow();
      // Silent stop of every session at once: the loss A has to detect.
      await Promise.all((table?.sessions() ?? []).map((s) => s.stop()));
      send({ ev: 'silenced', at });
    } else if (m.cmd === 'exit') {
      await table?.close();
      process.exit(0);
    }
  };
  process.on('message', (m: ToPeer) => {
    handle(m).catch((err: unknown) => {
      console.error('bench peer:', err);
      process.exit(1);
    });
  });
}

/* ------------------------------------------------------------ measuring (A) process --- */

function request<T extends FromPeer['ev']>(
  child: ChildProcess,
  msg: ToPeer,
  ev: T,
  timeoutMs = 60_000,
): Promise<Extract<FromPeer, { ev: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer: no ${ev}`)), timeoutMs);
    const onMessage = (m: FromPeer): void => {
      if (m.ev !== ev) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as Extract<FromPeer, { ev: T }>);
    };
    child.on('message', onMessage);
    child.send(msg);
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RunResult {
  n: number;
  allUp: boolean;
  upMs: number;
  falseDownsA: number;
  falseDownsB: number;
  pps: number;
  maxLoopLagMs: number;
  peerMaxLagMs: number;
  detectP50: number;
  detectP99: number;
  lateP50: number;
  lateP99: number;
  detected: number;
  rcvbufDrops: number;
  falseByDiag: { expired: number; peer: number };
}

async function runSize(n: number, seconds: number): Promise<RunResult> {
  const child = fork(
    fileURLToPath(import.meta.url),
    [
      '--role',
      'peer',
      '--interval',
      String(TIMERS.desiredMinTxMs),
      '--mult',
      String(TIMERS.detectMult),
    ],
    {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const table = new BfdSessionTable({ clock, random: systemRandom });
  try {
    const ready = await request(child, { cmd: 'start', n }, 'ready');
    const sessions: BfdSession[] = [];
    let downsA = 0;
    let counting = false;
    /** A's false Downs by cause: 1 = our detection expired, 3 = the peer told us. */
    const falseByDiag = { expired: 0, peer: 0 };
    const started = clock.now();
    for (let i = 0; i < n; i++) {
      const transport = await createUdpBfdTransport({
        localAddress: aAddress(i),
        listenPort: A_PORT,
      });
      table.addTransport(transport);
      const s = await table.addSession({
        localAddress: aAddress(i),
        peerAddress: B_ADDRESS,
        peerPort: ready.port,
        ...TIMERS,
      });
      s.on('down', (e) => {
        downsA++;
        if (!counting) return;
        if (e.diagnostic === BfdDiagnostic.ControlDetectionTimeExpired) falseByDiag.expired++;
        else falseByDiag.peer++;
      });
      sessions.push(s);
    }
    // Bring-up: 1 s packets while not Up (RFC 5880 6.8.3), then a Poll to 50 ms.
    const upDeadline = clock.now() + 30_000;
    while (clock.now() < upDeadline && sessions.some((s) => s.state !== BfdState.Up)) {
      await sleep(100);
    }
    const upMs = clock.now() - started;
    const allUp = sessions.every((s) => s.state === BfdState.Up);
    await sleep(1_000); // Polls settle at 50 ms
    const downsBefore = downsA;
    const peerBefore = await request(child, { cmd: 'report' }, 'report');
    const sentBefore = sessions.reduce((a, s) => a + s.counters.packetsSent, 0);

    // Steady phase, watching event loop lag as a load indicator.
    let maxLag = 0;
    let last = clock.now();
    const lagTimer = setInterval(() => {
      const now = clock.now();
      maxLag = Math.max(maxLag, now - last - 20);
      last = now;
    }, 20);
    const steadyStart = clock.now();
    counting = true;
    const dropsBefore = udpRcvbufErrors();
    await sleep(seconds * 1_000);
    clearInterval(lagTimer);
    const steadyMs = clock.now() - steadyStart;
    counting = false;
    const rcvbufDrops = udpRcvbufErrors() - dropsBefore;
    const peerAfter = await request(child, { cmd: 'report' }, 'report');
    const sentAfter = sessions.reduce((a, s) => a + s.counters.packetsSent, 0);
    const falseDownsA = downsA - downsBefore;
    const falseDownsB = peerAfter.downs - peerBefore.downs;
    const pps = ((sentAfter - sentBefore + (peerAfter.sent - peerBefore.sent)) * 1000) / steadyMs;

    // Loss: B goes silent; A must detect every session.
    const downAt = new Map<BfdSession, { epoch: number; late: number }>();
    for (const s of sessions) {
      s.on('down', (e) => {
        const deadline = s.fsmState.lastRxAt! + s.snapshot().detectionTimeMs;
        if (!downAt.has(s)) downAt.set(s, { epoch: epochNow(), late: e.at - deadline });
      });
    }
    const silenced = await request(child, { cmd: 'silence' }, 'silenced');
    const lossDeadline = clock.now() + 5_000 + 10 * TIMERS.detectMult * TIMERS.desiredMinTxMs;
    while (clock.now() < lossDeadline && downAt.size < sessions.length) await sleep(20);
    const detect = [...downAt.values()].map((d) => d.epoch - silenced.at);
    const late = [...downAt.values()].map((d) => d.late);
    return {
      n,
      allUp,
      upMs,
      falseDownsA,
      falseDownsB,
      pps,
      maxLoopLagMs: maxLag,
      peerMaxLagMs: peerAfter.maxLagMs,
      detectP50: percentile(detect, 50),
      detectP99: percentile(detect, 99),
      lateP50: percentile(late, 50),
      lateP99: percentile(late, 99),
      detected: downAt.size,
      rcvbufDrops,
      falseByDiag,
    };
  } finally {
    child.send({ cmd: 'exit' } satisfies ToPeer);
    await table.close();
    await new Promise<void>((r) => {
      if (child.exitCode !== null) r();
      else child.once('exit', () => r());
      setTimeout(() => {
        child.kill();
        r();
      }, 5_000).unref();
    });
  }
}

/** One run of one size in a fresh child process (which forks its own peer B). */
function runSizeInChild(n: number, seconds: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      fileURLToPath(import.meta.url),
      [
        '--role',
        'size',
        '--sizes',
        String(n),
        '--seconds',
        String(seconds),
        '--interval',
        String(TIMERS.desiredMinTxMs),
        '--mult',
        String(TIMERS.detectMult),
      ],
      { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    let result: RunResult | undefined;
    child.on('message', (m: RunResult) => (result = m));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`run of N=${n} exited with code ${code}`));
    });
  });
}

/** `median (min, max)` over runs; NaN (no detection in a run) is left out. */
const cell = (values: number[], digits: number): string =>
  spread(values, { digits, compact: true });

interface SizeSummary {
  interval: number;
  n: number;
  runs: RunResult[];
}

function clean(r: RunResult): boolean {
  return r.allUp && r.falseDownsA === 0 && r.falseDownsB === 0 && r.detected === r.n;
}

function summaryRow(s: SizeSummary): string {
  const falseDowns = s.runs.map((r) => r.falseDownsA + r.falseDownsB);
  return [
    String(s.interval).padEnd(9),
    String(s.n).padEnd(6),
    cell(
      s.runs.map((r) => r.detectP50),
      1,
    ).padEnd(25),
    cell(
      s.runs.map((r) => r.detectP99),
      1,
    ).padEnd(25),
    cell(falseDowns, 0).padEnd(22),
    `${s.runs.filter(clean).length}/${s.runs.length}`,
  ].join(' ');
}

const SUMMARY_HEADER =
  'interval N      detect p50 ms med (min, max) detect p99 ms med (min, max) ' +
  'false Down A+B med (min, max) clean runs';

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .option('role', { type: 'string', default: 'measure', hidden: true })
    .option('seconds', { type: 'number', default: 60, describe: 'steady phase per N' })
    .option('sizes', { type: 'string', default: '100,250,500,1000', describe: 'session counts' })
    .option('interval', { type: 'number', default: 50, describe: 'TX/RX interval in ms' })
    .option('intervals', {
      type: 'string',
      describe:
        'several TX/RX intervals in ms, measured in turn (e.g. 50,300); overrides --interval',
    })
    .option('mult', { type: 'number', default: 3, describe: 'detect multiplier' })
    .option('runs', { type: 'number', default: 5, describe: 'runs per N (fresh processes each)' })
    .strict()
    .parse();
  TIMERS.desiredMinTxMs = argv.interval;
  TIMERS.requiredMinRxMs = argv.interval;
  TIMERS.detectMult = argv.mult;
  if (argv.role === 'peer') return runPeer();
  const sizes = argv.sizes.split(',').map(Number);
  if (argv.role === 'size') {
    const r = await runSize(sizes[0]!, argv.seconds);
    // Exit once the result is out: closed sockets and timers must not keep this run alive.
    process.send?.(r, () => process.exit(0));
    return;
  }
  const intervals = argv.intervals ? argv.intervals.split(',').map(Number) : [argv.interval];
  if (intervals.some((i) => !(i > 0)) || sizes.some((n) => !(n > 0)) || !(argv.runs >= 1)) {
    throw new Error('--intervals, --sizes and --runs take positive numbers');
  }
  const summaries: SizeSummary[] = [];
  for (const interval of intervals) {
    TIMERS.desiredMinTxMs = interval;
    TIMERS.requiredMinRxMs = interval;
    console.log(
      `BFD bench: real UDP on loopback, two processes, ${TIMERS.desiredMinTxMs} ms x ` +
        `${TIMERS.detectMult}, ${argv.seconds} s steady per N, ${argv.runs} runs per N`,
    );
    console.log(
      'N      allUp  up(ms)  falseDown A/B  pkts/s   lag A/B(ms) detect p50/p99 (ms)  ' +
        'timer late p50/p99 (ms)  detected  rcvbuf drops (host)  A false Downs: expired/peer',
    );
    let best = 0;
    for (const n of sizes) {
      const summary: SizeSummary = { interval, n, runs: [] };
      for (let run = 0; run < argv.runs; run++) {
        const r = await runSizeInChild(n, argv.seconds);
        summary.runs.push(r);
        console.log(
          [
            String(r.n).padEnd(6),
            String(r.allUp).padEnd(6),
            r.upMs.toFixed(0).padEnd(7),
            `${r.falseDownsA}/${r.falseDownsB}`.padEnd(14),
            r.pps.toFixed(0).padEnd(8),
            `${r.maxLoopLagMs.toFixed(0)}/${r.peerMaxLagMs.toFixed(0)}`.padEnd(11),
            `${r.detectP50.toFixed(1)}/${r.detectP99.toFixed(1)}`.padEnd(20),
            `${r.lateP50.toFixed(1)}/${r.lateP99.toFixed(1)}`.padEnd(24),
            `${r.detected}/${r.n}`.padEnd(9),
            String(r.rcvbufDrops).padEnd(20),
            `${r.falseByDiag.expired}/${r.falseByDiag.peer}`,
          ].join(' '),
        );
      }
      summaries.push(summary);
      if (summary.runs.every(clean)) best = Math.max(best, n);
    }
    console.log(`largest N with zero false Down (in all ${argv.runs} runs): ${best}`);
  }
  console.log(`\nmedian (min, max) over ${argv.runs} runs per N:`);
  console.log(SUMMARY_HEADER);
  for (const s of summaries) console.log(summaryRow(s));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
