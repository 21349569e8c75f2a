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
 */
import {
  ApiException,
  type HttpLibrary,
  HttpMethod,
  type Informer,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  type ListPromise,
  type ObjectCache,
  makeInformer,
  PatchStrategy,
  type RequestContext,
  Watch,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import { SpeakersimError } from '../core/errors.js';
import { KeepAliveConnections } from './client-connections.js';

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
  static fromConfig(kc: KubeConfig): ObjectApi {
    const base = KubernetesObjectApi.makeApiClient(kc) as unknown as {
      configuration: ConstructorParameters<typeof KubernetesObjectApi>[0];
    };
    // Every request (discovery included) over kept-alive connections, except through a proxy,
    // where client-node's own transport and proxy agents stay (client-connections.ts).
    if (!kc.getCurrentCluster()?.proxyUrl) {
      (base.configuration as { httpApi: HttpLibrary }).httpApi = wrapHttpLibrary(
        new KeepAliveConnections(),
      );
    }
    const api = new ObjectApi(base.configuration);
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
    const text = await response.body.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return data as T;
    throw new ApiException(
      response.httpStatusCode,
      'Unsuccessful HTTP Request',
      data,
      response.headers,
    );
  }
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

  constructor(readonly kubeConfig: KubeConfig) {
    this.api = ObjectApi.fromConfig(kubeConfig);
  }

  static fromKubeconfigFile(path: string): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    return new KubeClient(kc);
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
    const controller = await new Watch(this.kubeConfig).watch(
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
    return makeInformer<T>(this.kubeConfig, path, lister, query.labelSelector);
  }
}
