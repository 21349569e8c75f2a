/**
 * Route push into real FRR (needs root and Debian's frr; `--speakers bird` needs bird2): one
 * FRR 8.4 router in a network namespace and one pushing speaker on the node's address, with
 * all N /32 routes loaded before the session comes up. Measures, per run, as FRR sees it:
 *   - lab up -> FRR's neighbor Established (ms),
 *   - Established -> FRR has accepted all N routes (pfxRcd, ms),
 *   - withdraw all -> FRR holds none (ms).
 * Prints median, min and max over the runs, per speaker, and the ratio to the last speaker.
 *   sudo npx tsx bench/frr-push.ts [--routes 10000,100000] [--runs 5] [--speakers speakersim,bird]
 */
import { parseArgs } from 'node:util';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../src/core/clock.js';
import { systemRandom } from '../src/core/random.js';
import { TcpTransport } from '../src/bgp/io/tcp.js';
import { Speaker } from '../src/bgp/speaker.js';
import { labDown, labUp } from '../src/lab/lifecycle.js';
import { vtyshCommands } from '../src/lab/router-state.js';
import type { LabTopology } from '../src/lab/topology.js';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    speakers: { type: 'string', default: 'speakersim' },
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

async function until(cond: () => Promise<boolean>, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${median(xs).toFixed(0)} ms (min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)})`;
}

const prefix = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;

async function frrEstablished(): Promise<boolean> {
  const out = JSON.parse(
    await vtyshCommands(ref, ['show bgp neighbors 198.18.30.10 json']),
  ) as Record<string, { bgpState?: string }>;
  return out['198.18.30.10']?.bgpState === 'Established';
}

/** A pushing speaker: started with its routes loaded, then asked to withdraw them all. */
interface Pusher {
  withdrawAll(): void;
  stop(): Promise<void>;
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
  return { withdrawAll: () => peer.setRoutes([]), stop: () => speaker.close() };
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
      '  neighbor 198.18.30.1 as 64500;',
      '  connect retry time 1;',
      '  ipv4 { import none; export all; next hop self; };',
      '}',
      '',
    ].join('\n'),
  );
  const sock = join(dir, 'bird.ctl');
  const child: ChildProcess = spawn(
    'bird',
    ['-f', '-c', join(dir, 'bird.conf'), '-s', sock, '-P', join(dir, 'bird.pid')],
    { stdio: 'ignore' },
  );
  return {
    withdrawAll: () => void spawnSync('birdc', ['-s', sock, 'disable', 's4'], { stdio: 'ignore' }),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const starters: Record<string, (n: number) => Promise<Pusher>> = {
  speakersim: startSpeakersim,
  bird: startBird,
};

for (const n of sizes) {
  const medians = new Map<string, number>();
  for (const name of speakers) {
    const start = starters[name];
    if (!start) throw new Error(`unknown speaker ${name}: use ${Object.keys(starters).join(', ')}`);
    const up: number[] = [];
    const push: number[] = [];
    const withdraw: number[] = [];
    for (let run = 0; run < runs; run++) {
      const t0 = performance.now();
      await labUp(topology, { cleanupOnExit: true, replace: true });
      const pusher = await start(n);
      try {
        await until(frrEstablished, 60_000);
        const establishedAt = performance.now();
        up.push(establishedAt - t0);
        await until(async () => (await received()) >= n, 300_000);
        push.push(performance.now() - establishedAt);
        const w0 = performance.now();
        pusher.withdrawAll();
        await until(async () => (await received()) === 0, 300_000);
        withdraw.push(performance.now() - w0);
      } finally {
        await pusher.stop();
        await labDown(LAB, { force: true });
      }
    }
    medians.set(name, median(push));
    console.log(`${name}: ${n} /32 routes, ${runs} runs, FRR 8.4 in a netns:`);
    console.log(`  lab up -> Established:        ${stats(up)}`);
    console.log(`  Established -> all in FRR:    ${stats(push)}`);
    console.log(`  withdraw all -> none in FRR:  ${stats(withdraw)}`);
  }
  if (medians.size > 1) {
    const base = speakers.at(-1)!;
    for (const [name, m] of medians) {
      console.log(`  push ratio ${name}/${base}: ${(m / medians.get(base)!).toFixed(2)}`);
    }
  }
}
