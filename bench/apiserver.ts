/**
 * API server benchmark: status writes per second (merge patches to the status subresource,
 * sequential and with 8 in flight, in memory and with a durable data dir), and watch fan-out:
 * p50/p99 latency from a status write to its event at 10 watchers, at a paced 1,000 writes/s.
 * Everything runs on 127.0.0.1 and stops by itself (bounded counts and time).
 *
 *   npm run bench:apiserver
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiServer } from '../src/k8s/api-server.js';

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

function statusPatch(
  server: ApiServer,
  name: string,
  i: number,
): Promise<{ status: number; body: string }> {
  return request(
    `${server.url}${BASE}/${name}/status`,
    'PATCH',
    {
      status: {
        bgpStatus: i % 2 ? 'Established' : 'Active',
        peer: `198.18.${(i >> 8) & 255}.${i & 255}`,
      },
    },
    'application/merge-patch+json',
  );
}

async function writesPerSecond(
  server: ApiServer,
  names: string[],
  total: number,
  inFlight: number,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const r = await statusPatch(server, names[i % names.length] as string, i);
      if (r.status !== 200) throw new Error(`status write failed: ${r.status}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return total / ((performance.now() - start) / 1000);
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

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'speakersim-bench-'));
  try {
    const memory = await ApiServer.start({
      namespaces: [NS],
      kubeconfigPath: path.join(tmp, 'kc1'),
    });
    const names = await createSessions(memory, 50);
    const seq = await writesPerSecond(memory, names, 2000, 1);
    const par = await writesPerSecond(memory, names, 4000, 8);
    const fan = await fanOut(memory, names, 10, 1000, 3);
    await memory.close();

    const durable = await ApiServer.start({
      namespaces: [NS],
      dataDir: path.join(tmp, 'data'),
      kubeconfigPath: path.join(tmp, 'kc2'),
    });
    const dnames = await createSessions(durable, 50);
    const dseq = await writesPerSecond(durable, dnames, 1000, 1);
    const dpar = await writesPerSecond(durable, dnames, 2000, 8);
    await durable.close();

    console.log(
      `status writes/s (HTTP merge patch, in memory): ${seq.toFixed(0)} sequential, ${par.toFixed(0)} with 8 in flight`,
    );
    console.log(
      `status writes/s (HTTP merge patch, data dir, fsync per write): ${dseq.toFixed(0)} sequential, ${dpar.toFixed(0)} with 8 in flight`,
    );
    console.log(
      `watch fan-out, 10 watchers at ${fan.achievedRate.toFixed(0)} writes/s: p50 ${fan.p50.toFixed(2)} ms, p99 ${fan.p99.toFixed(2)} ms, ${fan.delivered}/${fan.sent} events delivered`,
    );
  } finally {
    agent.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
