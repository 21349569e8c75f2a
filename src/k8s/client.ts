/**
 * The one Kubernetes client speakersim uses to read configuration and write status, built on
 * @kubernetes/client-node. It works unchanged against speakersim's own API server or a real
 * cluster: give it a kubeconfig.
 *
 *   const client = KubeClient.fromKubeconfigFile(server.kubeconfigPath);
 *   const pools = await client.list('metallb.io/v1beta1', 'IPAddressPool', { namespace: 'metallb-system' });
 *   const created = await client.create({ apiVersion: 'frrk8s.metallb.io/v1beta1', kind: 'BGPSessionState',
 *     metadata: { generateName: 'worker-', namespace: 'frr-k8s-system' }, spec: {} });
 *   await client.patchStatus(created, { status: { bgpStatus: 'Established' } });      // merge patch
 *   await client.applyStatus({ apiVersion: 'metallb.io/v1beta1', kind: 'ConfigurationState',
 *     metadata: { name: 'controller', namespace: 'metallb-system' }, status: { ... } },
 *     { fieldManager: 'poolReconciler' });                                              // server-side apply
 *   const stop = client.watch('metallb.io/v1beta1', 'IPAddressPool', {}, (type, obj) => ...);
 *
 * Errors are KubeClientError with `code` ERR_K8S_<REASON> (ERR_K8S_NOTFOUND, ERR_K8S_CONFLICT,
 * ERR_K8S_ALREADYEXISTS, ERR_K8S_INVALID, ...) and the HTTP status in `httpCode`; `get` returns
 * undefined for a missing object instead of throwing.
 *
 * Transports: HTTP(S) over kept-alive connections (client-connections.ts), or, for an API
 * server in the same process, `KubeClient.embedded(server)`: requests go straight to that
 * server's verb dispatch (client-in-process.ts), with the same answers.
 * SPEAKERSIM_KUBE_TRANSPORT=http makes `embedded` use HTTP as well.
 */
import {
  ApiException,
  type HttpLibrary,
  HttpMethod,
  type Informer,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  ListWatch,
  type ListPromise,
  type ObjectCache,
  PatchStrategy,
  type RequestContext,
  Watch,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import { SpeakersimError } from '../core/errors.js';
import { KeepAliveConnections } from './client-connections.js';
import {
  exchange,
  InProcessHttpLibrary,
  InProcessWatch,
  type InProcessEndpoint,
} from './client-in-process.js';

export type KubeResource = KubernetesObject & Record<string, unknown>;

/** What names one object: apiVersion, kind, namespace (namespaced kinds) and name. */
export interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; pages are followed with `continue` until the end. */
  pageSize?: number;
}

export interface WriteQuery {
  fieldManager?: string;
  dryRun?: boolean;
}

export interface ApplyQuery {
  /** Required by server-side apply: who owns the applied fields. */
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
}

export type PatchKind = 'merge' | 'json' | 'strategic';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export class KubeClientError extends SpeakersimError {
  constructor(
    code: string,
    message: string,
    readonly httpCode: number,
    readonly reason: string,
    readonly status: unknown,
  ) {
    super(code, message);
  }
}

const CONTENT_TYPES: Record<PatchKind | 'apply', string> = {
  merge: PatchStrategy.MergePatch,
  json: PatchStrategy.JsonPatch,
  strategic: PatchStrategy.StrategicMergePatch,
  apply: PatchStrategy.ServerSideApply,
};

/** KubernetesObjectApi plus the subresource and raw requests it lacks. */
class ObjectApi extends KubernetesObjectApi {
  /** In process: the server's dispatch and the kubeconfig's credentials as headers. */
  private inProcess:
    | { endpoint: () => InProcessEndpoint; headers: () => Promise<Record<string, string>> }
    | undefined;

  static fromConfig(
    kc: KubeConfig,
    inProcess?: {
      endpoint: () => InProcessEndpoint;
      headers: () => Promise<Record<string, string>>;
    },
  ): ObjectApi {
    const base = KubernetesObjectApi.makeApiClient(kc) as unknown as {
      configuration: ConstructorParameters<typeof KubernetesObjectApi>[0];
    };
    // Every request (discovery included) in process, or over kept-alive connections except
    // through a proxy, where client-node's own transport and proxy agents stay
    // (client-connections.ts).
    if (inProcess) {
      (base.configuration as { httpApi: HttpLibrary }).httpApi = wrapHttpLibrary(
        new InProcessHttpLibrary(inProcess.endpoint),
      );
    } else if (!kc.getCurrentCluster()?.proxyUrl) {
      (base.configuration as { httpApi: HttpLibrary }).httpApi = wrapHttpLibrary(
        new KeepAliveConnections(),
      );
    }
    const api = new ObjectApi(base.configuration);
    api.inProcess = inProcess;
    api.setDefaultNamespace(kc);
    return api;
  }

  async path(ref: ObjectRef, named: boolean): Promise<string> {
    if (!ref.apiVersion || !ref.kind || (named && !ref.metadata?.name)) {
      throw new KubeClientError(
        'ERR_K8S_BAD_REFERENCE',
        'an object reference needs apiVersion, kind and metadata.name',
        0,
        'BadReference',
        undefined,
      );
    }
    const spec = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { ...ref.metadata } };
    return this.specUriPath(spec as KubernetesObject, named ? 'read' : 'list');
  }

  async send<T>(
    method: HttpMethod,
    path: string,
    query: Record<string, string>,
    body?: unknown,
    contentType?: string,
  ): Promise<T> {
    if (this.inProcess) return this.sendInProcess(method, path, query, body, contentType);
    const ctx: RequestContext = this.configuration.baseServer.makeRequestContext(path, method);
    ctx.setHeaderParam('Accept', 'application/json');
    for (const [k, v] of Object.entries(query)) ctx.setQueryParam(k, v);
    if (body !== undefined) {
      ctx.setHeaderParam('Content-Type', contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(body));
    }
    const authMethod = this.configuration.authMethods.default;
    if (authMethod?.applySecurityAuthentication) await authMethod.applySecurityAuthentication(ctx);
    const response = await this.configuration.httpApi.send(ctx).toPromise();
    return answer<T>(response.httpStatusCode, await response.body.text(), response.headers);
  }

  /**
   * The request `send` would make, handed to the server's dispatch: the same path, query,
   * headers (credentials from the kubeconfig, taken once) and JSON body, without client-node's
   * request context and per-request agent.
   */
  private async sendInProcess<T>(
    method: HttpMethod,
    path: string,
    query: Record<string, string>,
    body: unknown,
    contentType: string | undefined,
  ): Promise<T> {
    const { endpoint, headers: credentials } = this.inProcess!;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...(await credentials()),
    };
    let text: string | undefined;
    if (body !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      text = JSON.stringify(body);
    }
    const search = new URLSearchParams(query).toString();
    const reply = await exchange(
      endpoint,
      method,
      search ? `${path}?${search}` : path,
      headers,
      text,
    );
    return answer<T>(reply.status, reply.text, reply.headers);
  }
}

/** A response's JSON, or the ApiException client-node raises for a status outside 2xx. */
function answer<T>(status: number, text: string, headers: Record<string, string>): T {
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (status >= 200 && status <= 299) return data as T;
  throw new ApiException(status, 'Unsuccessful HTTP Request', data, headers);
}

/** The headers client-node puts on a request for the kubeconfig's user (token, basic auth). */
async function credentialHeaders(kc: KubeConfig): Promise<Record<string, string>> {
  const opts: { headers?: Record<string, unknown>; auth?: string } = {};
  await kc.applyToHTTPSOptions(opts as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  if (opts.auth) out['Authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return out;
}

/** Environment variable that makes KubeClient.embedded use HTTP instead of the in-process transport. */
export const TRANSPORT_ENV = 'SPEAKERSIM_KUBE_TRANSPORT';

/** An API server in this process: its kubeconfig, and its dispatch for in-process requests. */
export interface EmbeddedServer {
  readonly kubeconfigPath: string;
  inProcessEndpoint(): InProcessEndpoint;
}

function toClientError(err: unknown): unknown {
  if (err instanceof ApiException) {
    const status = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const s = (status ?? {}) as { reason?: string; message?: string };
    const reason = s.reason ?? 'Unknown';
    return new KubeClientError(
      `ERR_K8S_${reason.toUpperCase()}`,
      s.message ?? `HTTP ${err.code}`,
      err.code,
      reason,
      status,
    );
  }
  return err;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

function writeQuery(q: WriteQuery | ApplyQuery | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (q?.fieldManager) out['fieldManager'] = q.fieldManager;
  if (q?.dryRun) out['dryRun'] = 'All';
  if (q && 'force' in q && q.force) out['force'] = 'true';
  return out;
}

export class KubeClient {
  private readonly api: ObjectApi;
  /** The server's dispatch when requests stay in this process. */
  private readonly endpoint: (() => InProcessEndpoint) | undefined;
  private credentials: Promise<Record<string, string>> | undefined;
  /** How requests travel: 'http' (HTTP or HTTPS) or 'in-process'. */
  readonly transport: 'http' | 'in-process';

  constructor(
    readonly kubeConfig: KubeConfig,
    options: { inProcess?: () => InProcessEndpoint } = {},
  ) {
    this.endpoint = options.inProcess;
    this.transport = this.endpoint ? 'in-process' : 'http';
    this.api = ObjectApi.fromConfig(
      kubeConfig,
      this.endpoint
        ? { endpoint: this.endpoint, headers: () => this.credentialHeaders() }
        : undefined,
    );
  }

  static fromKubeconfigFile(path: string): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    return new KubeClient(kc);
  }

  /**
   * A client of an API server in this process: in process (same answers, no sockets), or over
   * HTTP when `transport` or $SPEAKERSIM_KUBE_TRANSPORT says `http`.
   */
  static embedded(
    server: EmbeddedServer,
    transport: string | undefined = process.env[TRANSPORT_ENV],
  ): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    if (transport === 'http') return new KubeClient(kc);
    if (transport !== undefined && transport !== '' && transport !== 'in-process') {
      throw new SpeakersimError(
        'ERR_K8S_BAD_TRANSPORT',
        `${TRANSPORT_ENV} must be http or in-process, not ${JSON.stringify(transport)}`,
      );
    }
    return new KubeClient(kc, { inProcess: () => server.inProcessEndpoint() });
  }

  /** The kubeconfig user's credentials as request headers, worked out once. */
  private credentialHeaders(): Promise<Record<string, string>> {
    this.credentials ??= credentialHeaders(this.kubeConfig);
    return this.credentials;
  }

  private watcher(): Watch {
    return this.endpoint
      ? new InProcessWatch(this.kubeConfig, this.endpoint, () => this.credentialHeaders())
      : new Watch(this.kubeConfig);
  }

  /** Uses $KUBECONFIG, ~/.kube/config or the in-cluster service account, like kubectl. */
  static fromDefault(): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    return new KubeClient(kc);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toClientError(err);
    }
  }

  /** The object, or undefined when it does not exist. */
  async get<T extends KubeResource = KubeResource>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.call(async () =>
        this.api.send<T>(HttpMethod.GET, await this.api.path(ref, true), {}),
      );
    } catch (err) {
      if (err instanceof KubeClientError && err.httpCode === 404) return undefined;
      throw err;
    }
  }

  /** Every object of a kind (all namespaces unless `namespace`), following `continue`. */
  async list<T extends KubeResource = KubeResource>(
    apiVersion: string,
    kind: string,
    query: ListQuery = {},
  ): Promise<T[]> {
    const ref: ObjectRef = {
      apiVersion,
      kind,
      metadata: query.namespace ? { namespace: query.namespace } : {},
    };
    return this.call(async () => {
      const path = await this.api.path(ref, false);
      const items: T[] = [];
      let cont: string | undefined;
      do {
        const q: Record<string, string> = {};
        if (query.labelSelector) q['labelSelector'] = query.labelSelector;
        if (query.fieldSelector) q['fieldSelector'] = query.fieldSelector;
        if (query.pageSize) q['limit'] = String(query.pageSize);
        if (cont) q['continue'] = cont;
        const page = await this.api.send<{ items?: T[]; metadata?: { continue?: string } }>(
          HttpMethod.GET,
          path,
          q,
        );
        for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind } as T);
        cont = page.metadata?.continue || undefined;
      } while (cont);
      return items;
    });
  }

  async create<T extends KubeResource = KubeResource>(
    obj: KubeResource,
    query?: WriteQuery,
  ): Promise<T> {
    return this.call(async () =>
      this.api.send<T>(HttpMethod.POST, await this.api.path(obj, false), writeQuery(query), obj),
    );
  }

  /** PUT; fails with ERR_K8S_CONFLICT when metadata.resourceVersion is stale. */
  async update<T extends KubeResource = KubeResource>(obj: T, query?: WriteQuery): Promise<T> {
    return this.call(async () =>
      this.api.send<T>(HttpMethod.PUT, await this.api.path(obj, true), writeQuery(query), obj),
    );
  }

  /** PUT to the status subresource: only .status changes. */
  async updateStatus<T extends KubeResource = KubeResource>(
    obj: T,
    query?: WriteQuery,
  ): Promise<T> {
    return this.call(async () =>
      this.api.send<T>(
        HttpMethod.PUT,
        `${await this.api.path(obj, true)}/status`,
        writeQuery(query),
        obj,
      ),
    );
  }

  async patch<T extends KubeResource = KubeResource>(
    ref: ObjectRef,
    patch: unknown,
    kind: PatchKind = 'merge',
    query?: WriteQuery,
  ): Promise<T> {
    return this.call(async () =>
      this.api.send<T>(
        HttpMethod.PATCH,
        await this.api.path(ref, true),
        writeQuery(query),
        patch,
        CONTENT_TYPES[kind],
      ),
    );
  }

  async patchStatus<T extends KubeResource = KubeResource>(
    ref: ObjectRef,
    patch: unknown,
    kind: PatchKind = 'merge',
    query?: WriteQuery,
  ): Promise<T> {
    return this.call(async () =>
      this.api.send<T>(
        HttpMethod.PATCH,
        `${await this.api.path(ref, true)}/status`,
        writeQuery(query),
        patch,
        CONTENT_TYPES[kind],
      ),
    );
  }

  /** Server-side apply of `obj` (creates it when missing). */
  async apply<T extends KubeResource = KubeResource>(obj: T, query: ApplyQuery): Promise<T> {
    return this.call(async () =>
      this.api.send<T>(
        HttpMethod.PATCH,
        await this.api.path(obj, true),
        writeQuery(query),
        obj,
        CONTENT_TYPES.apply,
      ),
    );
  }

  /** Server-side apply to the status subresource (the object must exist). */
  async applyStatus<T extends KubeResource = KubeResource>(obj: T, query: ApplyQuery): Promise<T> {
    return this.call(async () =>
      this.api.send<T>(
        HttpMethod.PATCH,
        `${await this.api.path(obj, true)}/status`,
        writeQuery(query),
        obj,
        CONTENT_TYPES.apply,
      ),
    );
  }

  /** Deletes; resolves false when the object was already gone. */
  async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.call(async () =>
        this.api.send(HttpMethod.DELETE, await this.api.path(ref, true), {}),
      );
      return true;
    } catch (err) {
      if (err instanceof KubeClientError && err.httpCode === 404) return false;
      throw err;
    }
  }

  /**
   * Watches a kind. `onEvent` gets every event (BOOKMARK and ERROR included: an ERROR with code
   * 410 means "re-list"); `onDone` is called when the stream ends. Returns a stop function.
   */
  async watch(
    apiVersion: string,
    kind: string,
    query: ListQuery & { resourceVersion?: string; allowWatchBookmarks?: boolean },
    onEvent: (type: WatchEventType, obj: KubeResource) => void,
    onDone: (err: unknown) => void = () => undefined,
  ): Promise<() => void> {
    const ref: ObjectRef = {
      apiVersion,
      kind,
      metadata: query.namespace ? { namespace: query.namespace } : {},
    };
    const path = await this.call(() => this.api.path(ref, false));
    const params: Record<string, string | boolean> = {};
    if (query.labelSelector) params['labelSelector'] = query.labelSelector;
    if (query.fieldSelector) params['fieldSelector'] = query.fieldSelector;
    if (query.resourceVersion) params['resourceVersion'] = query.resourceVersion;
    if (query.allowWatchBookmarks) params['allowWatchBookmarks'] = true;
    const controller = await this.watcher().watch(
      path,
      params,
      (type, obj) => onEvent(type as WatchEventType, obj as KubeResource),
      onDone,
    );
    return () => controller.abort();
  }

  /**
   * A client-node informer (list + watch with automatic re-list on 410 Gone) for one kind.
   * Call `start()` on it; subscribe with `on('add'|'update'|'delete'|'error', fn)`.
   */
  async informer<T extends KubeResource = KubeResource>(
    apiVersion: string,
    kind: string,
    query: Pick<ListQuery, 'namespace' | 'labelSelector'> = {},
  ): Promise<Informer<T> & ObjectCache<T>> {
    const ref: ObjectRef = {
      apiVersion,
      kind,
      metadata: query.namespace ? { namespace: query.namespace } : {},
    };
    const path = await this.call(() => this.api.path(ref, false));
    const lister: ListPromise<T> = async () => {
      const q: Record<string, string> = {};
      if (query.labelSelector) q['labelSelector'] = query.labelSelector;
      const list = await this.api.send<{ items?: T[]; metadata?: { resourceVersion?: string } }>(
        HttpMethod.GET,
        path,
        q,
      );
      return {
        apiVersion,
        kind: `${kind}List`,
        metadata: list.metadata ?? {},
        items: (list.items ?? []).map((i) => ({ ...i, apiVersion, kind }) as T),
      } as unknown as Awaited<ReturnType<ListPromise<T>>>;
    };
    // client-node's makeInformer, with this client's watch transport.
    return new ListWatch<T>(path, this.watcher(), lister, false, query.labelSelector);
  }
}
