import type { Clock } from '../../core/clock.js';
import {
  ApiStatusError,
  badRequest,
  invalid,
  methodNotAllowed,
  type StatusCause,
  unsupportedMediaType,
} from '../errors.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import type { ResourceRegistry } from '../registry.js';
import type { KubeObject, ResourceType } from '../resource-type.js';
import { apiVersionOf, isRecord } from '../resource-type.js';
import { parseFieldSelector, parseLabelSelector } from '../selectors.js';
import type { ObjectStore } from '../store/object-store.js';
import { renderTable } from '../table/table.js';
import type { ApiRequest, ApiResponse } from './exchange.js';
import { nonResourceReply } from './non-resource.js';
import { decodeProtobufObject } from './protobuf-body.js';
import { parseBody, readBody, readRawBody } from './request-body.js';
import {
  type FieldValidation,
  type PatchType,
  type ResourceService,
  type WriteOptions,
} from './resource-service.js';
import { resolveResourcePath, type ResourceRoute } from './routes.js';
import { getScale, writeScale } from './scale.js';
import { startWatch } from './watch-stream.js';

/**
 * Verb dispatch of the API server: one request (over HTTP, or in process: exchange.ts) ->
 * authentication, non-resource paths
 * (discovery, OpenAPI, version), then GET/LIST/WATCH/POST/PUT/PATCH/DELETE of a resource or its
 * scale subresource, answered as kube-apiserver answers (Status bodies, Tables, Warning
 * headers). Owns the open watch streams and the watch gate; listening, TLS, the kubeconfig and
 * closing belong to ApiServer (api-server.ts).
 */

export interface DispatchDeps {
  registry: ResourceRegistry;
  service: ResourceService;
  store: ObjectStore;
  /** Source of Table ages. */
  clock: Clock;
  /** Drives watch timeouts and bookmarks. */
  timers: Clock;
  /** Require `Authorization: Bearer <token>`. */
  token?: string;
  bookmarkIntervalMs?: number;
  /** The server's base URL (discovery's serverAddressByClientCIDRs). */
  address(): string;
}

export class VerbDispatcher {
  private readonly openWatches = new Set<() => void>();
  private readonly serializedCache = new WeakMap<KubeObject, Map<string, string>>();
  /** While set, new watch requests wait (fault injection: a partitioned API server). */
  private watchGate: Promise<void> | undefined;
  private openWatchGate: (() => void) | undefined;

  private readonly registry: ResourceRegistry;
  private readonly service: ResourceService;
  private readonly store: ObjectStore;
  private readonly clock: Clock;
  private readonly timers: Clock;

  constructor(private readonly deps: DispatchDeps) {
    this.registry = deps.registry;
    this.service = deps.service;
    this.store = deps.store;
    this.clock = deps.clock;
    this.timers = deps.timers;
  }

  /**
   * JSON of a stored object at a served version, computed once and shared by all watchers
   * (stored objects are never mutated: every write stores a new object).
   */
  private serialized(type: ResourceType, obj: KubeObject): string {
    // The live version at its stored version: the text the store made when it was written.
    const live = this.service.present(type, obj) === obj ? this.store.liveJson(obj) : undefined;
    if (live !== undefined) return live;
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

  private fail(res: ApiResponse, err: unknown): void {
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
    res: ApiResponse,
    code: number,
    body: unknown,
    contentType = 'application/json',
    warnings: string[] = [],
    json?: string,
  ): void {
    const text = json ?? JSON.stringify(body);
    const headers: Record<string, string | string[]> = {
      'Content-Type': contentType,
      'Content-Length': String(Buffer.byteLength(text)),
    };
    if (warnings.length > 0) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
    res.writeHead(code, headers);
    res.end(text);
  }

  /** Answers one request; never throws (a failure becomes a Status body). */
  serve(req: ApiRequest, res: ApiResponse): void {
    // A client that goes away mid-request or mid-watch must not take the server down.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    this.handle(req, res).catch((err: unknown) => this.fail(res, err));
  }

  private async handle(req: ApiRequest, res: ApiResponse): Promise<void> {
    if (this.deps.token) {
      const auth = req.headers['authorization'] ?? '';
      if (auth !== `Bearer ${this.deps.token}`) {
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
        this.deps.address().replace(/^https?:\/\//, ''),
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
    req: ApiRequest,
    res: ApiResponse,
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
    req: ApiRequest,
    res: ApiResponse,
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
    /** One object (as the service presented it): the store's JSON text when it has one. */
    const sendObject = (code: number, obj: KubeObject): void =>
      this.sendJson(res, code, obj, 'application/json', warnings, this.store.liveJson(obj));
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
        if (asTable)
          send(200, table([obj], { resourceVersion: obj.metadata?.resourceVersion ?? '' }));
        else sendObject(200, obj);
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
            bookmarkIntervalMs: this.deps.bookmarkIntervalMs ?? 60_000,
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
      sendObject(201, created);
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
      sendObject(200, updated);
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
      sendObject(result.created ? 201 : 200, result.object);
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
function withManager(options: WriteOptions, req: ApiRequest): WriteOptions {
  if (options.fieldManager) return options;
  const agent = String(req.headers['user-agent'] ?? 'unknown');
  return { ...options, fieldManager: agent.split('/')[0] || 'unknown' };
}
