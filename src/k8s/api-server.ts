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
import { nonResourceReply } from './api/non-resource.js';
import { getScale, writeScale } from './api/scale.js';
import { decodeProtobufObject } from './api/protobuf-body.js';
import { parseBody, readBody, readRawBody } from './api/request-body.js';
import {
  type FieldValidation,
  type PatchType,
  ResourceService,
  type WriteOptions,
} from './api/resource-service.js';
import { resolveResourcePath, type ResourceRoute } from './api/routes.js';
import { startWatch } from './api/watch-stream.js';
import { applyJsonPatch } from './patch/json-patch.js';
import { applyMergePatch } from './patch/merge-patch.js';
import {
  ApiStatusError,
  badRequest,
  invalid,
  methodNotAllowed,
  type StatusCause,
  unsupportedMediaType,
} from './errors.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ResourceRegistry } from './registry.js';
import type { KubeObject, ResourceType } from './resource-type.js';
import { apiVersionOf, isRecord, storageKey } from './resource-type.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ObjectStore } from './store/object-store.js';
import { renderTable } from './table/table.js';
import { makeOwnedTempDir, removeOwnedTempDir } from './temp-dir.js';
import { crdValidationRules } from './schema/cel-rules.js';
import { metallbWebhooks } from '../metallb/admission.js';
import { generateSelfSignedCertificate } from './tls.js';

/**
 * The envtest-like API server: node:http on 127.0.0.1, discovery, OpenAPI v3, REST for builtin
 * kinds and CRDs, Tables, watches. Bad input gets a Status body; nothing a client sends can
 * throw out of a request handler.
 */

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
  private readonly openWatches = new Set<() => void>();
  private readonly serializedCache = new WeakMap<KubeObject, Map<string, string>>();
  private caPem: string | undefined;
  /** While set, new watch requests wait (fault injection: a partitioned API server). */
  private watchGate: Promise<void> | undefined;
  private openWatchGate: (() => void) | undefined;
  private address = '';
  private compaction: { cancel(): void } | undefined;
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

  async close(): Promise<void> {
    this.compaction?.cancel();
    for (const close of this.openWatches) close();
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

  /**
   * JSON of a stored object at a served version, computed once and shared by all watchers
   * (stored objects are never mutated: every write stores a new object).
   */
  private serialized(type: ResourceType, obj: KubeObject): string {
    const version = apiVersionOf(type.group, type.version);
    let byVersion = this.serializedCache.get(obj);
    if (!byVersion) {
      byVersion = new Map();
      this.serializedCache.set(obj, byVersion);
    }
    let text = byVersion.get(version);
    if (text === undefined) {
      text = JSON.stringify(this.service.present(type, obj));
      byVersion.set(version, text);
    }
    return text;
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
    for (const close of [...this.openWatches]) close();
  }

  /** Holds new watch requests until resumeWatches() (to make clients miss events). */
  pauseWatches(): void {
    if (this.watchGate) return;
    this.watchGate = new Promise((resolve) => {
      this.openWatchGate = resolve;
    });
  }

  resumeWatches(): void {
    this.openWatchGate?.();
    this.watchGate = undefined;
    this.openWatchGate = undefined;
  }

  /** Number of open watch streams. */
  watchCount(): number {
    return this.openWatches.size;
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
      throw new SpeakersimError('K8S_CRD_DIR_UNREADABLE', `cannot read CRD folder ${dir}`, {
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
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      // A client that goes away mid-request or mid-watch must not take the server down.
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    };
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
            'K8S_LISTEN_FAILED',
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

  private fail(res: http.ServerResponse, err: unknown): void {
    const status =
      err instanceof ApiStatusError
        ? err
        : new ApiStatusError(
            500,
            'InternalError',
            `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
          );
    if (res.headersSent) {
      if (!res.writableEnded) res.end();
      return;
    }
    this.sendJson(res, status.httpCode, status.toStatus());
  }

  private sendJson(
    res: http.ServerResponse,
    code: number,
    body: unknown,
    contentType = 'application/json',
    warnings: string[] = [],
  ): void {
    const text = JSON.stringify(body);
    const headers: Record<string, string | string[]> = {
      'Content-Type': contentType,
      'Content-Length': String(Buffer.byteLength(text)),
    };
    if (warnings.length > 0) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
    res.writeHead(code, headers);
    res.end(text);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.options.token) {
      const auth = req.headers['authorization'] ?? '';
      if (auth !== `Bearer ${this.options.token}`) {
        throw new ApiStatusError(401, 'Unauthorized', 'Unauthorized');
      }
    }
    const url = requestUrl(req.url);
    let segments: string[];
    try {
      segments = url.pathname
        .split('/')
        .filter((s) => s.length > 0)
        .map(decodeURIComponent);
    } catch {
      throw badRequest('the request path is not valid percent-encoding');
    }
    const accept = String(req.headers['accept'] ?? '');
    const method = req.method ?? 'GET';

    if (method === 'GET') {
      const reply = nonResourceReply(
        this.registry,
        segments,
        accept,
        this.address.replace(/^https?:\/\//, ''),
      );
      if (reply?.text !== undefined) {
        res.writeHead(200, { 'Content-Type': reply.contentType });
        res.end(reply.text);
        return;
      }
      if (reply) {
        this.sendJson(res, 200, reply.body, reply.contentType);
        return;
      }
    }
    const route = resolveResourcePath(this.registry, segments);
    if (!route)
      throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
    await this.serveResource(req, res, route, url.searchParams, accept, method);
  }

  /** GET/PUT/PATCH of the scale subresource (kubectl scale). */
  private async serveScale(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    type: ResourceType,
    namespace: string,
    name: string,
    method: string,
    query: URLSearchParams,
  ): Promise<void> {
    if (method === 'GET') {
      this.sendJson(res, 200, getScale(this.service, type, namespace, name));
      return;
    }
    const contentType =
      String(req.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim() ?? '';
    const body = await parseBody(await readBody(req), contentType);
    const options = withManager(this.writeOptions(query), req);
    if (method === 'PUT') {
      this.sendJson(res, 200, writeScale(this.service, type, namespace, name, body, options));
      return;
    }
    if (method === 'PATCH') {
      const apply = SCALE_PATCHES[contentType];
      if (!apply) throw unsupportedMediaType(contentType);
      const patched = apply(getScale(this.service, type, namespace, name), body);
      this.sendJson(res, 200, writeScale(this.service, type, namespace, name, patched, options));
      return;
    }
    throw methodNotAllowed(`method ${method} is not allowed on scale`);
  }

  /**
   * Write options from the query. `apply` is set for PATCH: the real server validates
   * PatchOptions (ValidatePatchOptions) and answers 422 Invalid for a missing fieldManager on
   * an apply or a `force` on any other patch.
   */
  private writeOptions(query: URLSearchParams, apply?: boolean): WriteOptions {
    const options: WriteOptions = { warnings: [], duplicateFields: [] };
    const manager = query.get('fieldManager');
    if (manager) options.fieldManager = manager;
    const problems: StatusCause[] = [];
    if (apply === true && !manager) {
      problems.push({
        reason: 'FieldValueRequired',
        message: 'Required value: is required for apply patch',
        field: 'fieldManager',
      });
    }
    if (apply === false && query.has('force')) {
      problems.push({
        reason: 'FieldValueForbidden',
        message: 'Forbidden: may not be specified for non-apply patch',
        field: 'force',
      });
    }
    if (apply !== undefined && manager && manager.length > 128) {
      problems.push({
        reason: 'FieldValueTooLong',
        message: 'Too long: must have at most 128 bytes',
        field: 'fieldManager',
      });
    }
    if (problems.length > 0) throw invalid('PatchOptions', 'meta.k8s.io', '', problems);
    const validation = query.get('fieldValidation');
    if (validation) {
      if (!['Strict', 'Warn', 'Ignore'].includes(validation)) {
        throw badRequest(`fieldValidation must be one of Strict, Warn, Ignore`);
      }
      options.fieldValidation = validation as FieldValidation;
    }
    if (query.get('dryRun') === 'All') options.dryRun = true;
    if (query.get('force') === 'true') options.force = true;
    return options;
  }

  private async serveResource(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: ResourceRoute,
    query: URLSearchParams,
    accept: string,
    method: string,
  ): Promise<void> {
    const { type, name, subresource } = route;
    const namespace = route.namespace;
    const asTable = /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
    const warnings: string[] = type.deprecationWarning ? [type.deprecationWarning] : [];
    const send = (code: number, body: unknown): void =>
      this.sendJson(res, code, body, 'application/json', warnings);
    const table = (objects: KubeObject[], listMeta: Record<string, unknown>): unknown =>
      renderTable(
        type,
        objects,
        this.clock.wallNow(),
        listMeta,
        query.get('includeObject') ?? 'Metadata',
      );

    if (subresource === 'scale' && name !== undefined) {
      await this.serveScale(req, res, type, namespace ?? '', name, method, query);
      return;
    }

    if (method === 'GET') {
      if (name !== undefined) {
        const obj = this.service.get(type, namespace ?? '', name);
        send(
          200,
          asTable ? table([obj], { resourceVersion: obj.metadata?.resourceVersion ?? '' }) : obj,
        );
        return;
      }
      const labelSelector = parseLabelSelector(query.get('labelSelector'));
      const fieldSelector = parseFieldSelector(query.get('fieldSelector'), type);
      if (query.get('watch') === 'true' || query.get('watch') === '1') {
        if (this.watchGate) await this.watchGate;
        const timeout = query.get('timeoutSeconds');
        const watchNs = type.namespaced ? namespace : undefined;
        startWatch(
          res,
          this.store,
          this.timers,
          {
            type,
            key: this.service.key(type),
            namespace: watchNs,
            labelSelector,
            fieldSelector,
            resourceVersion: query.get('resourceVersion') ?? undefined,
            allowBookmarks: query.get('allowWatchBookmarks') === 'true',
            timeoutMs: timeout ? Number(timeout) * 1000 : undefined,
            bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 60_000,
            encode: (obj) => {
              if (asTable) {
                const presented = this.service.present(type, obj);
                return JSON.stringify(
                  table([presented], {
                    resourceVersion: presented.metadata?.resourceVersion ?? '',
                  }),
                );
              }
              return this.serialized(type, obj);
            },
          },
          () => this.store.list(this.service.key(type), watchNs),
          (close) => {
            this.openWatches.add(close);
            const done = (): void => {
              this.openWatches.delete(close);
              close();
            };
            res.on('close', done);
            req.on('close', done);
          },
        );
        return;
      }
      const limit = Number(query.get('limit') ?? 0);
      const listOptions: Parameters<ResourceService['list']>[2] = {};
      if (labelSelector) listOptions.labelSelector = labelSelector;
      if (fieldSelector) listOptions.fieldSelector = fieldSelector;
      if (Number.isInteger(limit) && limit > 0) listOptions.limit = limit;
      const cont = query.get('continue');
      if (cont) listOptions.continueToken = cont;
      const result = this.service.list(type, namespace, listOptions);
      const listMeta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
      if (result.continueToken) listMeta['continue'] = result.continueToken;
      if (result.remainingItemCount !== undefined)
        listMeta['remainingItemCount'] = result.remainingItemCount;
      if (asTable) {
        send(200, table(result.items, listMeta));
        return;
      }
      send(200, {
        kind: type.listKind,
        apiVersion: apiVersionOf(type.group, type.version),
        metadata: listMeta,
        items: result.items,
      });
      return;
    }

    if (method === 'POST') {
      if (name !== undefined) throw methodNotAllowed('POST is not allowed on a named resource');
      const contentType = String(req.headers['content-type'] ?? '');
      const raw = await readRawBody(req);
      const options = this.writeOptions(query);
      const body = /protobuf/i.test(contentType)
        ? decodeProtobufObject(raw)
        : await parseBody(raw.toString('utf8'), contentType, options.duplicateFields);
      const created = this.service.create(type, namespace ?? '', body, withManager(options, req));
      warnings.push(...(options.warnings ?? []));
      send(201, created);
      return;
    }

    if (method === 'PUT') {
      if (name === undefined) throw methodNotAllowed('PUT needs a resource name');
      const options = this.writeOptions(query);
      const body = await parseBody(
        await readBody(req),
        String(req.headers['content-type'] ?? ''),
        options.duplicateFields,
      );
      const updated = this.service.update(
        type,
        namespace ?? '',
        name,
        body,
        subresource,
        withManager(options, req),
      );
      warnings.push(...(options.warnings ?? []));
      send(200, updated);
      return;
    }

    if (method === 'PATCH') {
      if (name === undefined) throw methodNotAllowed('PATCH needs a resource name');
      const contentType =
        String(req.headers['content-type'] ?? '')
          .split(';')[0]
          ?.trim() ?? '';
      const patchType = PATCH_TYPES[contentType];
      if (!patchType) throw unsupportedMediaType(contentType);
      // The real server validates PatchOptions before it reads the body.
      const options = this.writeOptions(query, patchType === 'apply');
      const text = await readBody(req);
      const patch = await parseBody(
        text,
        patchType === 'apply' ? 'application/yaml' : 'application/json',
        options.duplicateFields,
      );
      const result = this.service.patch(
        type,
        namespace ?? '',
        name,
        patchType,
        patch,
        subresource,
        // An apply names its manager itself; only other writes default to the User-Agent.
        patchType === 'apply' ? options : withManager(options, req),
      );
      warnings.push(...(options.warnings ?? []));
      send(result.created ? 201 : 200, result.object);
      return;
    }

    if (method === 'DELETE') {
      if (name === undefined) {
        const removed: KubeObject[] = [];
        const labelSelector = parseLabelSelector(query.get('labelSelector'));
        const fieldSelector = parseFieldSelector(query.get('fieldSelector'), type);
        const listOptions: Parameters<ResourceService['list']>[2] = {};
        if (labelSelector) listOptions.labelSelector = labelSelector;
        if (fieldSelector) listOptions.fieldSelector = fieldSelector;
        for (const obj of this.service.list(type, namespace, listOptions).items) {
          removed.push(
            this.service.delete(type, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''),
          );
        }
        send(200, {
          kind: type.listKind,
          apiVersion: apiVersionOf(type.group, type.version),
          metadata: {},
          items: removed,
        });
        return;
      }
      const text = await readBody(req);
      const preconditions: { uid?: string; resourceVersion?: string; orphan?: boolean } = {};
      if (query.get('propagationPolicy') === 'Orphan') preconditions.orphan = true;
      if (text.trim()) {
        const body = await parseBody(text, String(req.headers['content-type'] ?? ''));
        const pre = isRecord(body) && isRecord(body['preconditions']) ? body['preconditions'] : {};
        if (typeof pre['uid'] === 'string') preconditions.uid = pre['uid'];
        if (typeof pre['resourceVersion'] === 'string')
          preconditions.resourceVersion = pre['resourceVersion'];
        if (
          isRecord(body) &&
          (body['propagationPolicy'] === 'Orphan' || body['orphanDependents'] === true)
        ) {
          preconditions.orphan = true;
        }
      }
      const deleted = this.service.delete(
        type,
        namespace ?? '',
        name,
        preconditions,
        this.writeOptions(query),
      );
      send(200, deleted);
      return;
    }
    throw methodNotAllowed(`method ${method} is not allowed`);
  }
}

const SCALE_PATCHES: Record<string, (target: unknown, patch: unknown) => unknown> = {
  'application/merge-patch+json': applyMergePatch,
  'application/strategic-merge-patch+json': applyMergePatch,
  'application/json-patch+json': applyJsonPatch,
};

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

/**
 * The request target as a URL. An origin-form target is joined to a base by text, not resolved
 * against it: `//x/y` is a path (with an empty first segment), not a host `x`.
 */
function requestUrl(target: string | undefined): URL {
  const text = target ?? '/';
  try {
    return new URL(text.startsWith('/') ? `http://localhost${text}` : text);
  } catch {
    throw badRequest('the request target is not a valid URL');
  }
}

/** The real server names an unnamed writer after its User-Agent's program name. */
function withManager(options: WriteOptions, req: http.IncomingMessage): WriteOptions {
  if (options.fieldManager) return options;
  const agent = String(req.headers['user-agent'] ?? 'unknown');
  return { ...options, fieldManager: agent.split('/')[0] || 'unknown' };
}
