import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Fuzz of the API server's HTTP layer (issue 15): seeded random methods, paths, query
 * parameters, headers and bodies (JSON, YAML, deep nesting, alias bombs, duplicate keys, large
 * strings, bytes that are not UTF-8), sent to `speakersim apiserver` in its own process. No
 * answer may be a 5xx, and a probe client on its own thread, listing ConfigMaps every
 * 10 ms all along, must never wait more than 100 ms: no request stalls the server for others.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = 2_000;
const STALL_LIMIT_MS = 100;

let child: ChildProcess;
let base: URL;
/**
 * Keep-alive, as kubectl and client-go use: a server answering before it read the body (404,
 * 415) drains the rest and keeps the connection, so the client sees the answer.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
/** What the server printed: shown when it dies under the fuzz. */
let serverStderr = '';

const SEGMENTS = [
  'api',
  'apis',
  'v1',
  'v1beta1',
  'v1beta2',
  'namespaces',
  'default',
  'metallb-system',
  'configmaps',
  'secrets',
  'services',
  'nodes',
  'events',
  'ipaddresspools',
  'bgppeers',
  'metallb.io',
  'apps',
  'deployments',
  'customresourcedefinitions',
  'apiextensions.k8s.io',
  'status',
  'scale',
  'openapi',
  'v3',
  'version',
  'fuzz',
  '%ZZ',
  '%2F',
  '..',
  '',
];

const PREFIXES = [
  '/api/v1/namespaces/default/configmaps',
  '/api/v1/namespaces/default/secrets',
  '/api/v1/nodes',
  '/api/v1/namespaces/metallb-system',
  '/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools',
  '/apis/metallb.io/v1beta2/namespaces/metallb-system/bgppeers',
  '/apis/apps/v1/namespaces/default/deployments',
  '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
];

const pathArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...PREFIXES),
        fc.option(fc.constantFrom('fuzz', 'a', 'b', 'metallb-system'), { nil: undefined }),
        fc.option(fc.constantFrom('status', 'scale', 'x'), { nil: undefined }),
      )
      .map(([p, name, sub]) => [p, name, name ? sub : undefined].filter(Boolean).join('/')),
  },
  fc
    .array(
      fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ maxLength: 12 }).map(encodeURIComponent)),
      { maxLength: 8 },
    )
    .map((parts) => '/' + parts.join('/')),
);

const queryArb = fc
  .dictionary(
    fc.constantFrom(
      'labelSelector',
      'fieldSelector',
      'fieldManager',
      'fieldValidation',
      'dryRun',
      'force',
      'limit',
      'continue',
      'resourceVersion',
      'watch',
      'includeObject',
      'propagationPolicy',
    ),
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('Strict', 'Warn', 'All', 'true', '1', '0', 'a=b', 'a in (b)', 'a===b!', 'x'),
    ),
    { maxKeys: 4 },
  )
  // A watch would stay open: ask for one that ends at once.
  .map((q) => (q['watch'] !== undefined ? { ...q, timeoutSeconds: '0' } : q));

const CONTENT_TYPES = [
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  'application/vnd.kubernetes.protobuf',
  'application/apply-patch+cbor',
  'text/plain',
  '',
];

const headersArb = fc.record(
  {
    'content-type': fc.oneof(fc.constantFrom(...CONTENT_TYPES), fc.stringMatching(/^[ -~]{0,30}$/)),
    accept: fc.constantFrom(
      'application/json',
      'application/json;as=Table;v=v1;g=meta.k8s.io',
      'application/vnd.kubernetes.protobuf',
      '*/*',
    ),
    'user-agent': fc.stringMatching(/^[!-~]{0,20}$/),
    'x-fuzz': fc.stringMatching(/^[ -~]{0,60}$/),
  },
  { requiredKeys: [] },
);

const deep = (open: string, close: string, n: number): string => open.repeat(n) + close.repeat(n);

const objectArb = fc.record(
  {
    apiVersion: fc.constantFrom('v1', 'metallb.io/v1beta1', 'apps/v1', 'x'),
    kind: fc.constantFrom('ConfigMap', 'IPAddressPool', 'Secret', 'Node', 'Deployment', 'X'),
    metadata: fc.record(
      {
        name: fc.oneof(fc.constantFrom('fuzz', 'a', 'b'), fc.string({ maxLength: 70 })),
        namespace: fc.constantFrom('default', 'metallb-system', 'nope'),
        labels: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })),
        resourceVersion: fc.constantFrom('1', '999999', 'x'),
        managedFields: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: [] },
    ),
    data: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
    spec: fc.jsonValue({ maxDepth: 4 }),
    status: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: [] },
);

/** A body with a short description for fast-check's counterexamples (bodies reach 2 MB). */
interface Body {
  bytes: string | Buffer | undefined;
  [fc.toStringMethod](): string;
}

const bodyLabel = (bytes: string | Buffer | undefined): string =>
  bytes === undefined
    ? 'no body'
    : `${bytes.length} bytes: ${JSON.stringify(bytes.toString().slice(0, 120))}`;

const described = (bytes: string | Buffer | undefined): Body => ({
  bytes,
  [fc.toStringMethod]: () => bodyLabel(bytes),
});

const rawBodyArb: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: objectArb.map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.record({
          op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'x'),
          path: fc.constantFrom('/data/a', '/metadata/name', '/spec', '', '/~2', '/a/-'),
          from: fc.constantFrom('/data', '/metadata'),
          value: fc.jsonValue({ maxDepth: 2 }),
        }),
        { maxLength: 4 },
      )
      .map((ops) => JSON.stringify(ops)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(['[', ']'], ['{"a":', '}'], ['[{"a":', '}]']),
        fc.integer({ min: 900, max: 200_000 }),
      )
      .map(([[o, c], n]) => `{"metadata":{"name":"fuzz"},"x":${deep(o!, c!, n)}}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 500, max: 100_000 })
      .map((n) => `metadata: {name: fuzz}\nx:\n${'- '.repeat(n)}a\n`),
  },
  {
    weight: 1,
    arbitrary: fc.constant(
      'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 1_200_000 })
      .map((n) => JSON.stringify({ metadata: { name: 'fuzz' }, data: { x: 'v'.repeat(n) } })),
  },
  {
    weight: 1,
    arbitrary: fc.constant('{"metadata":{"name":"fuzz","name":"dup"},"data":{"a":"1","a":"2"}}'),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
);

const bodyArb = rawBodyArb.map(described);

/** Kinds that the server serves, with their collection paths: to reach the write paths. */
const KINDS: Array<[string, string, string]> = [
  ['/api/v1/namespaces/default/configmaps', 'v1', 'ConfigMap'],
  ['/api/v1/namespaces/default/secrets', 'v1', 'Secret'],
  ['/api/v1/namespaces/default/services', 'v1', 'Service'],
  ['/api/v1/nodes', 'v1', 'Node'],
  ['/apis/apps/v1/namespaces/default/deployments', 'apps/v1', 'Deployment'],
  [
    '/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools',
    'metallb.io/v1beta1',
    'IPAddressPool',
  ],
  ['/apis/metallb.io/v1beta2/namespaces/metallb-system/bgppeers', 'metallb.io/v1beta2', 'BGPPeer'],
];

type Request = [string, string, Record<string, string>, Record<string, string>, Body];

/** Well-formed writes with random contents: create, replace, every patch type, apply. */
const writeArb: fc.Arbitrary<Request> = fc
  .tuple(
    fc.constantFrom(...KINDS),
    fc.constantFrom('fuzz', 'a', 'b'),
    fc.constantFrom(
      ['POST', 'application/json'],
      ['PUT', 'application/json'],
      ['PATCH', 'application/merge-patch+json'],
      ['PATCH', 'application/strategic-merge-patch+json'],
      ['PATCH', 'application/apply-patch+yaml'],
    ),
    fc.record(
      {
        labels: fc.dictionary(
          fc.stringMatching(/^[a-z]{1,5}$/),
          fc.stringMatching(/^[a-z0-9]{0,5}$/),
        ),
        annotations: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 })),
        finalizers: fc.array(fc.constantFrom('example.com/x', 'bad finalizer'), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 4 }),
    fc.constantFrom(
      '',
      'fieldManager=fuzz',
      'fieldManager=other&force=true',
      'fieldValidation=Strict',
      'dryRun=All',
    ),
    fc.constantFrom('data', 'spec', 'status', 'bogus'),
  )
  .map(
    ([[collection, apiVersion, kind], name, [method, contentType], meta, value, query, field]) => {
      const path = method === 'POST' ? collection : `${collection}/${name}`;
      const body = JSON.stringify({
        apiVersion,
        kind,
        metadata: { name, ...meta },
        [field]: value,
      });
      const q =
        method === 'PATCH' && contentType.includes('apply') && !query ? 'fieldManager=fuzz' : query;
      return [
        method,
        path,
        Object.fromEntries(new URLSearchParams(q)),
        { 'content-type': contentType },
        described(body),
      ] as Request;
    },
  );

const requestArb: fc.Arbitrary<Request> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'BREW'),
      pathArb,
      queryArb,
      headersArb,
      bodyArb,
    ),
  },
  { weight: 1, arbitrary: writeArb },
);

interface Answer {
  status: number;
  body: string;
}

function send(
  method: string,
  target: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Framed as real clients frame a body: with its length (node sends a GET's body unframed).
    if (body !== undefined)
      headers = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path: target,
        method,
        headers,
        agent,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in 30 s: ${method} ${target}`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      // A body over the limit is refused (413) and its connection closed before it is sent.
      if (e.code === 'EPIPE' || e.code === 'ECONNRESET') resolve({ status: 0, body: e.code });
      else reject(e);
    });
    req.end(body);
  });
}

/** A client on its own thread: lists ConfigMaps every 10 ms, keeps the slowest answer. */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const url = workerData.url + '/api/v1/namespaces/default/configmaps?limit=1';
let worst = 0, worstAt = 0, count = 0, failed = 0, stop = false;
const errors = new Set();
parentPort.on('message', () => { stop = true; });
(async () => {
  // The first fetch loads the HTTP client: not the server's time.
  await (await fetch(url)).arrayBuffer();
  parentPort.postMessage('ready');
  while (!stop) {
    const t = performance.now();
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status !== 200) { failed++; errors.add(String(res.status)); }
    } catch (e) { failed++; errors.add(String(e && e.cause || e)); }
    const took = performance.now() - t;
    if (took > worst) { worst = took; worstAt = performance.timeOrigin + t; }
    count++;
    await new Promise((r) => setTimeout(r, 10));
  }
  parentPort.postMessage({ worst, worstAt, count, failed, errors: [...errors] });
})();
`;

interface Sent {
  start: number;
  end: number;
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
}

interface ProbeResult {
  worst: number;
  /** Epoch ms when the longest wait began. */
  worstAt: number;
  count: number;
  failed: number;
  errors: string[];
}

/** Runs `work` while the probe client measures how long the server makes it wait. */
async function probeDuring(work: () => Promise<unknown>): Promise<ProbeResult> {
  const probe = new Worker(PROBE, { eval: true, workerData: { url: base.origin } });
  try {
    await new Promise((r) => probe.once('message', r)); // warmed up
    const result = new Promise<ProbeResult>((r) => probe.once('message', r));
    try {
      await work();
      // Let the probe see the server after the last request too.
      await new Promise((r) => setTimeout(r, 30));
    } finally {
      probe.postMessage('stop');
    }
    return await result;
  } finally {
    await probe.terminate();
  }
}

describe('HTTP fuzz of the API server', () => {
  beforeAll(async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/k8s/main.ts', '--namespace', 'metallb-system'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (serverStderr += d));
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`apiserver exited with ${code}`)));
    });
    base = new URL((JSON.parse(line) as { url: string }).url);
  }, 60_000);
  afterAll(async () => {
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });

  it(`${RUNS} seeded random requests: no 5xx, no stall over ${STALL_LIMIT_MS} ms for a probe client`, async () => {
    let tried = 0;
    let bodyBytes = 0;
    const sent: Sent[] = [];
    const statuses = new Map<number, number>();
    const started = performance.now();
    const probe = await probeDuring(() =>
      fc.assert(
        fc.asyncProperty(requestArb, async ([method, p, query, headers, { bytes: body }]) => {
          tried++;
          bodyBytes += body?.length ?? 0;
          const qs = new URLSearchParams(query).toString();
          const target = qs ? `${p}?${qs}` : p;
          const start = performance.timeOrigin + performance.now();
          const answer = await send(method, target, headers, body);
          const end = performance.timeOrigin + performance.now();
          sent.push({ start, end, method, target, headers, body });
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          expect(answer.status, `${method} ${target}: ${answer.body.slice(0, 300)}`).toBeLessThan(
            500,
          );
        }),
        { seed: 15, numRuns: RUNS, endOnFailure: true },
      ),
    );
    const elapsed = performance.now() - started;
    // A stall a request causes happens again when that request is sent again; a machine busy
    // with other work (2 shared cores) delays the probe at random. So the requests in flight
    // during the probe's longest wait are replayed alone, three times each, under a new
    // probe: the stall charged to a request is the least of its three.
    let stall = probe.worst;
    let culprit = 'none';
    if (probe.worst >= STALL_LIMIT_MS) {
      const overlapping = sent.filter(
        (r) => r.start <= probe.worstAt + probe.worst && r.end >= probe.worstAt,
      );
      stall = 0;
      for (const r of overlapping.slice(0, 5)) {
        const tries: number[] = [];
        for (let i = 0; i < 3; i++) {
          tries.push((await probeDuring(() => send(r.method, r.target, r.headers, r.body))).worst);
        }
        const charged = Math.min(...tries);
        if (charged >= stall) {
          stall = charged;
          culprit = `${r.method} ${r.target.slice(0, 80)} ${bodyLabel(r.body)}`;
        }
      }
    }
    console.log(
      `fuzz: ${tried} requests (${(bodyBytes / 2 ** 20).toFixed(1)} MiB of bodies) in ${(elapsed / 1000).toFixed(1)} s; ` +
        `statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; ` +
        `probe: ${probe.count} requests, worst wait ${probe.worst.toFixed(1)} ms, ` +
        `stall charged to a request ${stall.toFixed(1)} ms (${culprit}), ${probe.failed} failed`,
    );
    expect([child.exitCode, child.signalCode, serverStderr]).toEqual([null, null, '']);
    expect(tried).toBe(RUNS);
    expect([probe.failed, probe.errors]).toEqual([0, []]);
    expect(stall).toBeLessThan(STALL_LIMIT_MS);
    // The server still serves.
    expect((await send('GET', '/version', {}, undefined)).status).toBe(200);
  }, 120_000);
});
