/**
 * The envtest-like API server's lifecycle: listen on 127.0.0.1 (http, or https with a generated
 * self-signed certificate), install namespaces and CRDs, write the kubeconfig, compact the watch
 * history, close. What a request gets (discovery, OpenAPI v3, REST for builtin kinds and CRDs,
 * Tables, watches) is verb dispatch in api/dispatch.ts. Bad input gets a Status body; nothing a
 * client sends can throw out of a request handler.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type Clock, SystemClock } from '../core/clock.js';
import { SpeakersimError } from '../core/errors.js';
import { type Random, systemRandom } from '../core/random.js';
import { VerbDispatcher } from './api/dispatch.js';
import { ResourceService } from './api/resource-service.js';
import { InProcessServerClosedError, type InProcessEndpoint } from './client-in-process.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ResourceRegistry } from './registry.js';
import type { ResourceType } from './resource-type.js';
import { isRecord, storageKey } from './resource-type.js';
import { ObjectStore } from './store/object-store.js';
import { makeOwnedTempDir, removeOwnedTempDir } from './temp-dir.js';
import { crdValidationRules } from './schema/cel-rules.js';
import { metallbWebhooks } from '../metallb/admission.js';
import { generateSelfSignedCertificate } from './tls.js';

export interface ApiServerOptions {
  /** Listen address; loopback only by default. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Require `Authorization: Bearer <token>`. */
  token?: string;
  /** Serve https with a generated self-signed certificate. */
  tls?: boolean;
  /** Durable store; in memory when absent. */
  dataDir?: string;
  /** Source of creationTimestamps and ages (a ManualClock reproduces the seed's ages). */
  clock?: Clock;
  /** Drives watch timeouts and bookmarks; real time by default. */
  timers?: Clock;
  /** generateName suffixes, uids, clusterIPs, nodePorts. */
  random?: Random;
  /** Folder of CRD YAML installed at start; false for none. Defaults to the repo's crds/. */
  crdDir?: string | false;
  /** Where to write the kubeconfig; a temp file by default. */
  kubeconfigPath?: string;
  /** Namespaces to create at start besides default, kube-system, kube-public, kube-node-lease. */
  namespaces?: string[];
  /** Watch history length (events a watch can resume from). */
  historySize?: number;
  /** Bound on the bytes of object versions the watch history keeps (64 MiB by default). */
  historyBytes?: number;
  /** Largest stored object in JSON bytes (etcd's 1.5 MiB by default). */
  maxObjectBytes?: number;
  /**
   * Every interval, the watch history before the previous interval's resourceVersion is
   * forgotten, as kube-apiserver compacts etcd (--etcd-compaction-interval, 5 minutes); 0 never.
   */
  compactionIntervalMs?: number;
  /** Log records between snapshots (durable store). */
  compactEvery?: number;
  bookmarkIntervalMs?: number;
  /**
   * Admission after schema validation: the CRDs' CEL rules and MetalLB's validating webhooks
   * (default true, as on a cluster with MetalLB installed). false stores objects those would
   * refuse (scenarios that show the speakers' ConfigurationState); `server.service
   * .admissionHooks.enabled` switches it at run time.
   */
  admission?: boolean;
}

const DEFAULT_CRD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../crds');
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class ApiServer {
  readonly store: ObjectStore;
  readonly registry = new ResourceRegistry();
  readonly service: ResourceService;
  readonly clock: Clock;
  private readonly timers: Clock;
  private server: http.Server | https.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly dispatch: VerbDispatcher;
  private caPem: string | undefined;
  private address = '';
  private compaction: { cancel(): void } | undefined;
  private closed = false;
  /** The folder of a kubeconfig written to a temp location, removed by close(). */
  private tempDir: string | undefined;
  kubeconfigPath = '';

  private constructor(private readonly options: ApiServerOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.timers = options.timers ?? new SystemClock();
    const storeOptions: ConstructorParameters<typeof ObjectStore>[0] = {};
    if (options.dataDir) storeOptions.dataDir = options.dataDir;
    if (options.historySize) storeOptions.historySize = options.historySize;
    if (options.historyBytes) storeOptions.historyBytes = options.historyBytes;
    if (options.maxObjectBytes) storeOptions.maxObjectBytes = options.maxObjectBytes;
    if (options.compactEvery) storeOptions.compactEvery = options.compactEvery;
    this.store = new ObjectStore(storeOptions);
    this.service = new ResourceService(
      this.store,
      this.registry,
      this.clock,
      options.random ?? systemRandom,
    );
    this.service.admissionHooks.add(crdValidationRules);
    this.service.admissionHooks.add(metallbWebhooks());
    this.service.admissionHooks.enabled = options.admission ?? true;
    this.dispatch = new VerbDispatcher({
      registry: this.registry,
      service: this.service,
      store: this.store,
      clock: this.clock,
      timers: this.timers,
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.bookmarkIntervalMs !== undefined
        ? { bookmarkIntervalMs: options.bookmarkIntervalMs }
        : {}),
      address: () => this.address,
    });
  }

  /** Starts a server, installs namespaces and CRDs, writes the kubeconfig. */
  static async start(options: ApiServerOptions = {}): Promise<ApiServer> {
    const server = new ApiServer(options);
    try {
      server.bootstrap();
      await server.listen();
      server.scheduleCompaction();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** Base URL, e.g. http://127.0.0.1:41234 */
  get url(): string {
    return this.address;
  }

  get port(): number {
    return Number(new URL(this.address).port);
  }

  /**
   * Where KubeClient.embedded(server) sends its requests: the same dispatch as HTTP requests.
   * Once the server is closed, requests fail with ERR_K8S_SERVER_CLOSED (over HTTP the
   * connection would be refused).
   */
  inProcessEndpoint(): InProcessEndpoint {
    if (this.closed) throw new InProcessServerClosedError();
    return this.dispatch;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.compaction?.cancel();
    this.dispatch.closeWatches();
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of this.sockets) s.destroy();
      });
    }
    this.store.close();
    if (this.tempDir) removeOwnedTempDir(this.tempDir);
  }

  /** Compacts the watch history to the resourceVersion one interval ago, every interval. */
  private scheduleCompaction(): void {
    const interval = this.options.compactionIntervalMs ?? 5 * 60_000;
    if (interval <= 0) return;
    let previous = this.store.currentRv();
    const tick = (): void => {
      this.store.compactHistory(previous);
      previous = this.store.currentRv();
      this.compaction = this.timers.setTimer(interval, tick);
    };
    this.compaction = this.timers.setTimer(interval, tick);
  }

  /** Ends every open watch stream, as an API server restart or a proxy timeout would. */
  closeWatches(): void {
    this.dispatch.closeWatches();
  }

  /** Holds new watch requests until resumeWatches() (to make clients miss events). */
  pauseWatches(): void {
    this.dispatch.pauseWatches();
  }

  resumeWatches(): void {
    this.dispatch.resumeWatches();
  }

  /** Number of open watch streams. */
  watchCount(): number {
    return this.dispatch.watchCount();
  }

  private bootstrap(): void {
    const nsType = this.registry.find('', 'v1', 'namespaces') as ResourceType;
    for (const ns of [...SYSTEM_NAMESPACES, ...(this.options.namespaces ?? [])]) {
      if (!this.store.get(storageKey('', 'namespaces'), '', ns)) {
        this.service.create(nsType, '', { metadata: { name: ns } }, { fieldManager: 'speakersim' });
      }
    }
    const dir = this.options.crdDir === undefined ? DEFAULT_CRD_DIR : this.options.crdDir;
    if (dir) this.installCrds(dir);
  }

  /** Creates every CRD in `dir` that is not stored yet. */
  installCrds(dir: string): void {
    const crdType = this.registry.find(
      'apiextensions.k8s.io',
      'v1',
      'customresourcedefinitions',
    ) as ResourceType;
    let files: string[];
    try {
      files = fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
    } catch (err) {
      throw new SpeakersimError('ERR_K8S_CRD_DIR_UNREADABLE', `cannot read CRD folder ${dir}`, {
        cause: err,
      });
    }
    for (const file of files) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
        const crd = doc.toJS() as unknown;
        if (!isRecord(crd) || crd['kind'] !== 'CustomResourceDefinition') continue;
        const name = (crd['metadata'] as { name?: string } | undefined)?.name ?? '';
        if (
          this.store.get(storageKey('apiextensions.k8s.io', 'customresourcedefinitions'), '', name)
        )
          continue;
        this.service.create(crdType, '', crd, { fieldManager: 'speakersim' });
      }
    }
  }

  private async listen(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void =>
      this.dispatch.serve(req, res);
    if (this.options.tls) {
      const cert = generateSelfSignedCertificate();
      this.caPem = cert.certPem;
      this.server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, handler);
    } else {
      this.server = http.createServer(handler);
    }
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // A request the HTTP parser refuses gets an answer, as Go's net/http gives one, instead of
    // a reset connection: 431 for oversized headers, 408 for a request too slow to arrive,
    // 400 for the rest (an unknown method, a malformed header).
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const status =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
        socket.destroy(),
      );
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(
          new SpeakersimError(
            'ERR_K8S_LISTEN_FAILED',
            `cannot listen on ${this.options.host ?? '127.0.0.1'}:${this.options.port ?? 0}`,
            {
              cause: err,
            },
          ),
        ),
      );
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.address = `${this.options.tls ? 'https' : 'http'}://${host}:${addr.port}`;
    if (this.options.kubeconfigPath) {
      this.kubeconfigPath = this.options.kubeconfigPath;
    } else {
      this.tempDir = makeOwnedTempDir('speakersim-kube-');
      this.kubeconfigPath = path.join(this.tempDir, 'kubeconfig');
    }
    const init: Parameters<typeof writeKubeconfig>[1] = { server: this.address };
    if (this.options.token) init.token = this.options.token;
    if (this.caPem) init.caPem = this.caPem;
    writeKubeconfig(this.kubeconfigPath, init);
  }
}
