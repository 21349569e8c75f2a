/**
 * API server benchmark (issue 16's goal: >= 5,000 status writes/s): merge patches to the status
 * subresource of BGPSessionState objects, and creates, as writes/s
 *   - from a client on its own thread (a worker with node:http keep-alive clients, sequential
 *     and with 8 in flight): what the API server itself takes,
 *   - through KubeClient on the server's own thread, over HTTP and in process (the embedded
 *     transport the runtime uses on `run` and `lab up`),
 *   - with a durable data dir (fsync per write),
 * beside the floor (the same client against a node:http server that only answers: what this
 * machine and its load allow node:http at all), and watch fan-out: p50/p99 latency from a
 * status write to its event at 10 watchers, at a paced 1,000 writes/s, and how many events
 * arrived. Each run is a fresh server; figures are
 * median (min, max) over the runs, with the load average (the machine may be shared).
 * Everything runs on 127.0.0.1 and stops by itself (bounded counts and time).
 *
 *   npm run bench:apiserver [-- --runs 5]
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { ApiServer } from '../src/k8s/api-server.js';
import { KubeClient } from '../src/k8s/client.js';
import { goal, spread } from './stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs: at least 1');
const GOAL_WRITES = 5000;

const NS = 'openshift-frr-k8s';
const BASE = `/apis/frrk8s.metallb.io/v1beta1/namespaces/${NS}/bgpsessionstates`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(
  url: string,
  method: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: data
          ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) }
          : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function createSessions(server: ApiServer, n: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await request(server.url + BASE, 'POST', {
      apiVersion: 'frrk8s.metallb.io/v1beta1',
      kind: 'BGPSessionState',
      metadata: { name: `node-${i}` },
      spec: {},
    });
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
    names.push(`node-${i}`);
  }
  return names;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function fanOut(
  server: ApiServer,
  names: string[],
  watchers: number,
  rate: number,
  seconds: number,
): Promise<{ p50: number; p99: number; delivered: number; sent: number; achievedRate: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const streams: http.ClientRequest[] = [];
  const rv = JSON.parse((await request(server.url + BASE, 'GET')).body).metadata
    .resourceVersion as string;
  await Promise.all(
    Array.from(
      { length: watchers },
      () =>
        new Promise<void>((resolve) => {
          const req = http.get(`${server.url}${BASE}?watch=true&resourceVersion=${rv}`, (res) => {
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buf += chunk;
              let nl = buf.indexOf('\n');
              while (nl >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                const ev = JSON.parse(line) as {
                  object: { metadata: { resourceVersion: string } };
                };
                const t = sentAt.get(ev.object.metadata.resourceVersion);
                if (t !== undefined) latencies.push(performance.now() - t);
                nl = buf.indexOf('\n');
              }
            });
            resolve();
          });
          req.on('error', () => undefined);
          streams.push(req);
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 200));
  // Writes go in-process here so the pacing measures the server's fan-out, not the client's
  // HTTP stack; the sending timestamp is taken right before the store write.
  const type = server.registry.find('frrk8s.metallb.io', 'v1beta1', 'bgpsessionstates');
  if (!type) throw new Error('BGPSessionState is not served');
  const total = rate * seconds;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    const { object } = server.service.patch(
      type,
      NS,
      names[i % names.length] as string,
      'merge',
      {
        status: {
          bgpStatus: i % 2 ? 'Established' : 'Active',
          peer: `198.18.${(i >> 8) & 255}.${i & 255}`,
        },
      },
      'status',
      { fieldManager: 'bench' },
    );
    sentAt.set(String(object.metadata?.resourceVersion), t);
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  const achievedRate = total / ((performance.now() - start) / 1000);
  const deadline = performance.now() + 5000;
  while (latencies.length < total * watchers && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  for (const s of streams) s.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    delivered: latencies.length,
    sent: total * watchers,
    achievedRate,
  };
}

/**
 * The load generator of a client on its own thread: `total` requests (status merge patches of
 * the named objects, or creates of new ones), `inFlight` at a time over kept-alive connections.
 * Plain JavaScript, run as an eval'd worker (only node:http).
 */
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { base, names, total, inFlight, mode, prefix } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
const url = new URL(base);
function send(path, method, body, type) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method, agent,
      headers: { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  let next = 0;
  let failed = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const code = mode === 'create'
        ? await send(url.pathname, 'POST', JSON.stringify({ apiVersion: 'frrk8s.metallb.io/v1beta1',
            kind: 'BGPSessionState', metadata: { name: prefix + i }, spec: {} }), 'application/json')
        : await send(url.pathname + '/' + names[i % names.length] + '/status', 'PATCH',
            JSON.stringify({ status: { bgpStatus: i % 2 ? 'Established' : 'Active',
              peer: '198.18.' + ((i >> 8) & 255) + '.' + (i & 255) } }), 'application/merge-patch+json');
      if (code !== (mode === 'create' ? 201 : 200)) failed++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ms = performance.now() - start;
  agent.destroy();
  parentPort.postMessage({ ms, failed });
})();
`;

/** Requests per second from a client on its own thread. */
function fromWorker(
  server: { url: string },
  names: string[],
  total: number,
  inFlight: number,
  mode: 'patch' | 'create',
  prefix = '',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(LOAD_WORKER, {
      eval: true,
      workerData: { base: server.url + BASE, names, total, inFlight, mode, prefix },
    });
    w.once('message', (m: { ms: number; failed: number }) => {
      if (m.failed > 0) reject(new Error(`${m.failed} of ${total} ${mode} requests failed`));
      else resolve(total / (m.ms / 1000));
      void w.terminate();
    });
    w.once('error', reject);
  });
}

/** Status patches per second through KubeClient, on this thread with the server. */
async function throughKubeClient(
  client: KubeClient,
  names: string[],
  total: number,
  inFlight: number,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      await client.patchStatus(
        {
          apiVersion: 'frrk8s.metallb.io/v1beta1',
          kind: 'BGPSessionState',
          metadata: { name: names[i % names.length], namespace: NS },
        },
        { status: { bgpStatus: i % 2 ? 'Established' : 'Active', peer: `198.18.0.${i & 255}` } },
      );
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return total / ((performance.now() - start) / 1000);
}

interface Run {
  seq: number;
  par: number;
  floor: number;
  create: number;
  clientSeq: number;
  clientPar: number;
  inProcSeq: number;
  inProcPar: number;
  durableSeq: number;
  durablePar: number;
  fanP50: number;
  fanP99: number;
  fanDelivered: number;
  fanSent: number;
  fanRate: number;
}

/**
 * The floor under the figures: the same client against a node:http server that only reads
 * each request and answers 200 with a stored object's worth of JSON. What the machine (its
 * load included) lets node:http do at all; the API server's rate is read against it.
 */
async function httpFloor(names: string[]): Promise<number> {
  const reply = JSON.stringify({
    apiVersion: 'frrk8s.metallb.io/v1beta1',
    kind: 'BGPSessionState',
    metadata: { name: 'node-0', namespace: NS, resourceVersion: '1', managedFields: [] },
    status: { bgpStatus: 'Established', peer: '198.18.0.1' },
  }).padEnd(690, ' ');
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(reply)),
      });
      res.end(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await fromWorker({ url }, names, 1000, 8, 'patch');
    return await fromWorker({ url }, names, 6000, 8, 'patch');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

async function runOnce(tmp: string, run: number): Promise<Run> {
  const memory = await ApiServer.start({
    namespaces: [NS],
    kubeconfigPath: path.join(tmp, `kc-${run}`),
  });
  {
    const names = await createSessions(memory, 50);
    // Warm-up: the first thousand requests run colder code (V8 tiers up).
    await fromWorker(memory, names, 1000, 8, 'patch');
    const seq = await fromWorker(memory, names, 3000, 1, 'patch');
    const par = await fromWorker(memory, names, 6000, 8, 'patch');
    const floor = await httpFloor(names);
    const create = await fromWorker(memory, names, 2000, 8, 'create', 'created-');
    const client = KubeClient.fromKubeconfigFile(memory.kubeconfigPath);
    await throughKubeClient(client, names, 500, 8);
    const clientSeq = await throughKubeClient(client, names, 2000, 1);
    const clientPar = await throughKubeClient(client, names, 4000, 8);
    const local = KubeClient.embedded(memory, 'in-process');
    await throughKubeClient(local, names, 1000, 8);
    const inProcSeq = await throughKubeClient(local, names, 4000, 1);
    const inProcPar = await throughKubeClient(local, names, 8000, 8);
    const fan = await fanOut(memory, names, 10, 1000, 3);
    await memory.close();

    const durable = await ApiServer.start({
      namespaces: [NS],
      dataDir: path.join(tmp, `data-${run}`),
      kubeconfigPath: path.join(tmp, `kcd-${run}`),
    });
    const dnames = await createSessions(durable, 50);
    const durableSeq = await fromWorker(durable, dnames, 500, 1, 'patch');
    const durablePar = await fromWorker(durable, dnames, 1000, 8, 'patch');
    await durable.close();
    return {
      seq,
      par,
      floor,
      create,
      clientSeq,
      clientPar,
      inProcSeq,
      inProcPar,
      durableSeq,
      durablePar,
      fanP50: fan.p50,
      fanP99: fan.p99,
      fanDelivered: fan.delivered,
      fanSent: fan.sent,
      fanRate: fan.achievedRate,
    };
  }
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'speakersim-bench-'));
  const load0 = os.loadavg()[0]!;
  try {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await runOnce(tmp, i);
      runs.push(r);
      console.log(
        `  run ${i + 1}/${RUNS}: ${r.seq.toFixed(0)} sequential, ${r.par.toFixed(0)} with 8 in flight, KubeClient ${r.clientSeq.toFixed(0)} / ${r.clientPar.toFixed(0)}, in process ${r.inProcSeq.toFixed(0)} / ${r.inProcPar.toFixed(0)}`,
      );
    }
    const col = (f: (r: Run) => number, digits = 0): string =>
      spread(runs.map(f), { digits, compact: true });
    const med = (f: (r: Run) => number): number => {
      const v = runs.map(f).sort((a, b) => a - b);
      return v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
    };
    const writes = (f: (r: Run) => number, what: string): string =>
      goal(`${what}: ${col(f)} writes/s`, `>= ${GOAL_WRITES}`, med(f) >= GOAL_WRITES);
    console.log(
      `API server, ${RUNS} runs, median (min, max); load average ${load0.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end (${os.cpus().length} CPUs)`,
    );
    console.log(`  status merge patches, client on its own thread, in memory:`);
    console.log(`    ${writes((r) => r.seq, 'sequential')}`);
    console.log(`    ${writes((r) => r.par, '8 in flight')}`);
    console.log(
      `    node:http floor (same client, a server that only answers): ${col((r) => r.floor)} /s; the API server reaches ${col((r) => (100 * r.par) / r.floor)} % of it`,
    );
    console.log(`  status merge patches through KubeClient over HTTP, on the server's thread:`);
    console.log(`    ${writes((r) => r.clientSeq, 'sequential')}`);
    console.log(`    ${writes((r) => r.clientPar, '8 in flight')}`);
    console.log(
      `  status merge patches through KubeClient in process (the runtime's transport on run / lab up):`,
    );
    console.log(`    ${writes((r) => r.inProcSeq, 'sequential')}`);
    console.log(`    ${writes((r) => r.inProcPar, '8 in flight')}`);
    console.log(`  creates, client on its own thread, 8 in flight: ${col((r) => r.create)} /s`);
    console.log(
      `  data dir (fsync per write): ${col((r) => r.durableSeq)} sequential, ${col((r) => r.durablePar)} with 8 in flight, writes/s`,
    );
    console.log(
      `  watch delivery, 10 watchers at ${col((r) => r.fanRate)} writes/s: p50 ${col((r) => r.fanP50, 2)} ms, p99 ${col((r) => r.fanP99, 2)} ms`,
    );
    console.log(
      `    ${goal(
        `events delivered: ${col((r) => r.fanDelivered)} of ${runs[0]!.fanSent}`,
        'all',
        runs.every((r) => r.fanDelivered === r.fanSent),
      )}`,
    );
  } finally {
    agent.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
