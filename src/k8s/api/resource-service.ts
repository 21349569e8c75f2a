import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import {
  alreadyExists,
  ApiStatusError,
  badRequest,
  conflict,
  invalid,
  notFound,
  type StatusCause,
} from '../errors.js';
import { builtinListKinds, schemaListKinds, type ListKindResolver } from '../patch/field-set.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { recordUpdate, serverSideApply, type WriteContext } from '../patch/managed-fields.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge.js';
import type { ResourceRegistry } from '../registry.js';
import type { KubeObject, ObjectMeta, ResourceType } from '../resource-type.js';
import { apiVersionOf, cloneJson, isRecord, storageKey } from '../resource-type.js';
import { applyDefaults, pruneUnknown } from '../schema/structural-schema.js';
import { checkTransitionRules, SchemaValidator } from '../schema/validator.js';
import { matchesFields, matchesLabels, type Selector } from '../selectors.js';
import type { ObjectStore } from '../store/object-store.js';
import { BuiltinAdmission } from './builtin-admission.js';
import { pruneUnknownBuiltin, pruneUnknownMetadata, validateBuiltin } from './builtin-fields.js';
import { AdmissionHooks, type AdmissionRequest } from './admission-hooks.js';
import { generateNameSuffix, nameProblem, randomUid, rfc3339 } from './names.js';
import { jsonEqual } from '../../core/stable-json.js';

/**
 * The API contract, independent of HTTP: create/get/list/update/patch/delete with
 * resourceVersion conflicts, generateName, the status subresource as the only writer of
 * .status, generation bumps on spec changes, finalizers, schema defaulting/pruning/validation,
 * managedFields and server-side apply. The HTTP layer and the seed helpers both call this.
 */

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  dryRun?: boolean;
  /** Server-side apply: take fields other managers own. */
  force?: boolean;
  /** Collects warnings (deprecated versions, unknown fields with Warn). */
  warnings?: string[];
  /** Keys the request body repeated within one object (dotted paths), for fieldValidation. */
  duplicateFields?: string[];
}

export interface ListOptions {
  labelSelector?: Selector;
  fieldSelector?: Selector;
  limit?: number;
  continueToken?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Fixed identity for seeded objects (the seed's uid, creationTimestamp, resourceVersion). */
export interface SeedIdentity {
  uid?: string;
  creationTimestamp?: string;
  /** The object gets exactly this resourceVersion if it is above the current counter. */
  resourceVersion?: number;
  /** Keep .status from the body even when the kind has a status subresource. */
  keepStatus?: boolean;
  /** Ownership to record instead of an Update entry (server-side apply creating an object). */
  managedFields?: ObjectMeta['managedFields'];
}

const CRD_KEY = storageKey('apiextensions.k8s.io', 'customresourcedefinitions');
const NAMESPACE_KEY = storageKey('', 'namespaces');

export class ResourceService {
  private readonly validator = new SchemaValidator();
  readonly admission: BuiltinAdmission;
  /** CRD validation rules and validating webhooks, run after schema validation (admission-hooks.ts). */
  readonly admissionHooks = new AdmissionHooks();

  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {
    this.admission = new BuiltinAdmission(random, () => rfc3339(clock.wallNow()));
    this.admission.learn(store.list(storageKey('', 'services')));
    this.refreshRegistry();
  }

  nowMs(): number {
    return this.clock.wallNow();
  }

  /** Rebuilds the served types from the stored CRDs. */
  refreshRegistry(): void {
    this.registry.setCustomResourceDefinitions(this.store.list(CRD_KEY));
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject {
    const obj = this.store.get(this.key(type), this.nsOf(type, namespace), name);
    if (!obj) throw notFound(type.plural, type.group, name);
    return this.present(type, obj);
  }

  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const ns = type.namespaced ? namespace : undefined;
    let items = this.store.list(
      this.key(type),
      ns,
      (o) => matchesLabels(options.labelSelector, o) && matchesFields(options.fieldSelector, o),
    );
    const resourceVersion = String(this.store.currentRv());
    if (options.continueToken) {
      const after = decodeContinue(options.continueToken);
      items = items.filter(
        (o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}` > after,
      );
    }
    if (options.limit && options.limit > 0 && items.length > options.limit) {
      const page = items.slice(0, options.limit);
      const last = page[page.length - 1] as KubeObject;
      return {
        items: page.map((o) => this.present(type, o)),
        resourceVersion,
        continueToken: encodeContinue(
          `${last.metadata?.namespace ?? ''}/${last.metadata?.name ?? ''}`,
        ),
        remainingItemCount: items.length - page.length,
      };
    }
    return { items: items.map((o) => this.present(type, o)), resourceVersion };
  }

  create(
    type: ResourceType,
    namespace: string,
    body: unknown,
    options: WriteOptions = {},
    seed: SeedIdentity = {},
  ): KubeObject {
    const obj = this.checkBody(type, body, namespace);
    const given = obj.metadata as ObjectMeta;
    if (!given.name) {
      if (!given.generateName) {
        throw invalid(type.kind, type.group, '', [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: name or generateName is required',
            field: 'metadata.name',
          },
        ]);
      }
    }
    this.requireNamespace(type, given.namespace);
    if (type.statusSubresource && type.kind !== 'Namespace' && !seed.keepStatus)
      delete obj['status'];
    if (type.builtin) this.admission.onCreate(type.kind, obj);
    this.admitSchema(type, obj, undefined, options);
    this.runAdmissionHooks({ operation: 'CREATE', type, object: obj }, options);
    // Admission may have replaced the metadata object.
    const meta = obj.metadata as ObjectMeta;
    const now = rfc3339(this.clock.wallNow());
    meta.uid = seed.uid ?? randomUid(this.random);
    meta.creationTimestamp = seed.creationTimestamp ?? now;
    if (tracksGeneration(type)) meta.generation = 1;
    else delete meta.generation;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.managedFields;
    const key = this.key(type);
    // generateName: the real server retries a few times on a name clash before giving up.
    for (let attempt = 0; attempt < 8; attempt++) {
      if (!meta.name || attempt > 0) {
        if (!meta.generateName) break;
        meta.name = meta.generateName + generateNameSuffix(this.random);
      }
      if (!this.store.get(key, meta.namespace ?? '', meta.name)) break;
      if (!meta.generateName || attempt === 7)
        throw alreadyExists(type.plural, type.group, meta.name);
    }
    const name = meta.name as string;
    const nameError = nameProblem(name, type.kind === 'Namespace' || type.kind === 'Service');
    if (nameError) {
      throw invalid(type.kind, type.group, name, [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${name}": ${nameError}`,
          field: 'metadata.name',
        },
      ]);
    }
    if (this.store.get(key, meta.namespace ?? '', name))
      throw alreadyExists(type.plural, type.group, name);
    const withFields = seed.managedFields
      ? { ...obj, metadata: { ...meta, managedFields: seed.managedFields } }
      : recordUpdate(undefined, obj, this.writeContext(type, options, undefined));
    if (options.dryRun)
      return this.present(type, {
        ...withFields,
        metadata: { ...withFields.metadata, resourceVersion: '' },
      });
    const stored = this.store.put(
      key,
      this.toStorage(type, withFields),
      'ADDED',
      seed.resourceVersion,
    );
    this.afterWrite(type);
    return this.present(type, stored);
  }

  update(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    subresource: string | undefined,
    options: WriteOptions = {},
  ): KubeObject {
    const obj = this.checkBody(type, body, namespace);
    if (obj.metadata?.name !== name) {
      throw badRequest(
        `the name of the object (${String(obj.metadata?.name)}) does not match the name on the URL (${name})`,
      );
    }
    const key = this.key(type);
    const ns = this.nsOf(type, namespace);
    const current = this.store.get(key, ns, name);
    if (!current) throw notFound(type.plural, type.group, name);
    const rv = obj.metadata?.resourceVersion;
    if (rv === undefined || rv === '') {
      if (!type.builtin) {
        throw invalid(type.kind, type.group, name, [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: 0x0: must be specified for an update',
            field: 'metadata.resourceVersion',
          },
        ]);
      }
    } else if (rv !== current.metadata?.resourceVersion) {
      throw conflict(
        type.plural,
        type.group,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    return this.commitUpdate(type, current, obj, subresource, options, 'update');
  }

  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    subresource: string | undefined,
    options: WriteOptions = {},
  ): { object: KubeObject; created: boolean } {
    const key = this.key(type);
    const ns = this.nsOf(type, namespace);
    const stored = this.store.get(key, ns, name);
    if (patchType === 'apply')
      return this.apply(type, ns, name, stored, patch, subresource, options);
    if (!stored) throw notFound(type.plural, type.group, name);
    const current = this.present(type, stored);
    let patched: unknown;
    switch (patchType) {
      case 'merge':
        if (!isRecord(patch)) throw badRequest('merge patch must be a JSON object');
        patched = applyMergePatch(current, patch);
        break;
      case 'json':
        patched = applyJsonPatch(current, patch);
        break;
      case 'strategic':
        if (!type.builtin) {
          throw new ApiStatusError(
            415,
            'UnsupportedMediaType',
            'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
          );
        }
        patched = applyStrategicMergePatch(current, patch);
        break;
    }
    if (!isRecord(patched)) throw badRequest('patch result is not an object');
    const obj = patched as KubeObject;
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== stored.metadata?.resourceVersion) {
      throw conflict(
        type.plural,
        type.group,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    if (obj.metadata?.name !== name) throw badRequest('metadata.name cannot be changed by a patch');
    return {
      object: this.commitUpdate(type, stored, obj, subresource, options, 'patch'),
      created: false,
    };
  }

  delete(
    type: ResourceType,
    namespace: string,
    name: string,
    preconditions: { uid?: string; resourceVersion?: string; orphan?: boolean } = {},
    options: WriteOptions = {},
  ): KubeObject {
    const key = this.key(type);
    const ns = this.nsOf(type, namespace);
    const current = this.store.get(key, ns, name);
    if (!current) throw notFound(type.plural, type.group, name);
    if (preconditions.uid && preconditions.uid !== current.metadata?.uid) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${String(current.metadata?.uid)}`,
      );
    }
    if (
      preconditions.resourceVersion &&
      preconditions.resourceVersion !== current.metadata?.resourceVersion
    ) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in meta: ${String(current.metadata?.resourceVersion)}`,
      );
    }
    this.runAdmissionHooks(
      { operation: 'DELETE', type, oldObject: this.present(type, current) },
      options,
    );
    if (options.dryRun) return this.present(type, current);
    const finalizers = current.metadata?.finalizers ?? [];
    if (finalizers.length > 0 || type.kind === 'Namespace') {
      if (current.metadata?.deletionTimestamp) return this.present(type, current);
      const marked: KubeObject = {
        ...current,
        metadata: {
          ...current.metadata,
          deletionTimestamp: rfc3339(this.clock.wallNow()),
          deletionGracePeriodSeconds: 0,
        },
      };
      if (type.kind === 'Namespace') {
        marked['status'] = { phase: 'Terminating' };
        const stored = this.store.put(key, marked, 'MODIFIED');
        this.finalizeNamespace(name);
        return this.present(type, this.store.get(key, '', name) ?? stored);
      }
      return this.present(type, this.store.put(key, marked, 'MODIFIED'));
    }
    return this.present(type, this.removeNow(type, current, preconditions.orphan === true));
  }

  /** The stored objects of a type, unconverted (for watches and tables). */
  present(type: ResourceType, obj: KubeObject): KubeObject {
    const apiVersion = apiVersionOf(type.group, type.version);
    if (obj.apiVersion === apiVersion && obj.kind === type.kind) return obj;
    return { ...obj, apiVersion, kind: type.kind };
  }

  key(type: ResourceType): string {
    return storageKey(type.group, type.plural);
  }

  private nsOf(type: ResourceType, namespace: string): string {
    return type.namespaced ? namespace : '';
  }

  private toStorage(type: ResourceType, obj: KubeObject): KubeObject {
    return { ...obj, apiVersion: apiVersionOf(type.group, type.storageVersion), kind: type.kind };
  }

  private listKinds(type: ResourceType): ListKindResolver {
    return type.builtin ? builtinListKinds : schemaListKinds(type.schema);
  }

  private writeContext(
    type: ResourceType,
    options: WriteOptions,
    subresource: string | undefined,
  ): WriteContext {
    const ctx: WriteContext = {
      manager: options.fieldManager ?? 'unknown',
      apiVersion: apiVersionOf(type.group, type.version),
      time: rfc3339(this.clock.wallNow()),
      lists: this.listKinds(type),
    };
    if (subresource) ctx.subresource = subresource;
    return ctx;
  }

  /** Parses and checks identity fields of a request body; returns a private copy. */
  private checkBody(type: ResourceType, body: unknown, namespace: string): KubeObject {
    if (!isRecord(body)) throw badRequest('the request body must be a JSON or YAML object');
    const obj = cloneJson(body) as KubeObject;
    const apiVersion = apiVersionOf(type.group, type.version);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    obj.apiVersion = apiVersion;
    obj.kind = type.kind;
    if (obj.metadata !== undefined && !isRecord(obj.metadata))
      throw badRequest('metadata must be an object');
    const meta: ObjectMeta = { ...(obj.metadata ?? {}) };
    obj.metadata = meta;
    for (const field of ['labels', 'annotations'] as const) {
      const m = meta[field];
      if (
        m !== undefined &&
        (!isRecord(m) || Object.values(m).some((v) => typeof v !== 'string'))
      ) {
        throw badRequest(`metadata.${field} must be a map of strings`);
      }
    }
    if (type.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = meta.namespace || namespace;
      if (!meta.namespace) {
        throw badRequest(
          'the server could not find the requested resource: a namespace is required',
        );
      }
    } else {
      // Cluster-scoped kinds ignore a namespace, as the real server does.
      delete meta.namespace;
    }
    return obj;
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined): void {
    if (!type.namespaced || !namespace) return;
    const ns = this.store.get(NAMESPACE_KEY, '', namespace);
    if (!ns) throw notFound('namespaces', '', namespace);
    if (ns.metadata?.deletionTimestamp) {
      throw new ApiStatusError(
        403,
        'Forbidden',
        `${type.plural}${type.group ? '.' + type.group : ''} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  /** The admission hooks (CEL rules, webhooks), reading the store as it is before this write. */
  private runAdmissionHooks(request: AdmissionRequest, options: WriteOptions): void {
    const warnings = this.admissionHooks.run(request, {
      list: (group, plural, namespace) => {
        const key = storageKey(group, plural);
        const t = this.registry.all().find((x) => this.key(x) === key);
        const items = this.store.list(key, namespace);
        return t ? items.map((o) => this.present(t, o)) : items;
      },
    });
    options.warnings?.push(...warnings);
  }

  /**
   * Pruning of unknown fields (reported as fieldValidation asks), then defaulting and schema
   * validation of a custom resource, or the validation speakersim mirrors for a builtin kind.
   */
  private admitSchema(
    type: ResourceType,
    obj: KubeObject,
    prev: KubeObject | undefined,
    options: WriteOptions,
  ): void {
    let unknown: string[];
    if (type.schema) {
      applyDefaults(obj, type.schema);
      unknown = [...pruneUnknownMetadata(obj), ...pruneUnknown(obj, type.schema)];
    } else {
      unknown = type.builtin ? pruneUnknownBuiltin(type.kind, obj) : [];
    }
    const problems = [
      ...unknown.map((f) => `unknown field "${f}"`),
      ...(options.duplicateFields ?? []).map((f) => `duplicate field "${f}"`),
    ];
    if (problems.length > 0) {
      const mode = options.fieldValidation ?? 'Ignore';
      if (mode === 'Strict') {
        const prefix = type.builtin
          ? `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: `
          : '';
        throw badRequest(`${prefix}strict decoding error: ${problems.join(', ')}`);
      }
      if (mode === 'Warn') options.warnings?.push(...problems);
    }
    const causes: StatusCause[] = type.schema
      ? this.validator.validate(type.schema, obj)
      : validateBuiltin(type.kind, obj);
    if (type.schema && prev) checkTransitionRules(type.schema, obj, prev, '', causes);
    if (causes.length > 0) throw invalid(type.kind, type.group, obj.metadata?.name ?? '', causes);
  }

  private commitUpdate(
    type: ResourceType,
    stored: KubeObject,
    incoming: KubeObject,
    subresource: string | undefined,
    options: WriteOptions,
    _verb: 'update' | 'patch',
  ): KubeObject {
    const current = this.present(type, stored);
    let next: KubeObject;
    if (subresource === 'status') {
      if (!type.statusSubresource)
        throw notFound(`${type.plural}/status`, type.group, current.metadata?.name ?? '');
      next = { ...cloneJson(current), status: cloneJson(incoming['status']) };
      if (incoming['status'] === undefined) delete next['status'];
    } else {
      next = cloneJson(incoming);
      if (type.statusSubresource) {
        if (current['status'] === undefined) delete next['status'];
        else next['status'] = cloneJson(current['status']);
      }
    }
    const meta = { ...(next.metadata ?? {}) } as ObjectMeta;
    const cur = current.metadata ?? {};
    // Identity and server-owned metadata cannot be changed by a client.
    meta.name = cur.name;
    if (cur.namespace !== undefined) meta.namespace = cur.namespace;
    else delete meta.namespace;
    meta.uid = cur.uid;
    meta.creationTimestamp = cur.creationTimestamp;
    if (cur.generation !== undefined) meta.generation = cur.generation;
    else delete meta.generation;
    if (cur.deletionTimestamp) meta.deletionTimestamp = cur.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (cur.generateName !== undefined) meta.generateName ??= cur.generateName;
    meta.managedFields = cur.managedFields;
    if (subresource === 'status') {
      next.metadata = cur as ObjectMeta;
    } else {
      next.metadata = meta;
    }
    if (type.builtin) this.admission.onUpdate(type.kind, next, current);
    this.admitSchema(type, next, current, options);
    this.runAdmissionHooks(
      {
        operation: 'UPDATE',
        type,
        object: next,
        oldObject: current,
        ...(subresource ? { subresource } : {}),
      },
      options,
    );
    if (subresource !== 'status' && tracksGeneration(type) && specChanged(type, current, next)) {
      (next.metadata as ObjectMeta).generation = (cur.generation ?? 1) + 1;
    }
    const withFields = recordUpdate(current, next, this.writeContext(type, options, subresource));
    if (options.dryRun) return withFields;
    if (jsonEqual(withoutRv(withFields), withoutRv(current))) {
      // A no-op write does not bump resourceVersion (the real server skips it too).
      return current;
    }
    const key = this.key(type);
    if (
      withFields.metadata?.deletionTimestamp &&
      (withFields.metadata.finalizers ?? []).length === 0
    ) {
      return this.present(type, this.removeNow(type, withFields));
    }
    const saved = this.store.put(key, this.toStorage(type, withFields), 'MODIFIED');
    this.afterWrite(type);
    return this.present(type, saved);
  }

  private apply(
    type: ResourceType,
    ns: string,
    name: string,
    stored: KubeObject | undefined,
    patch: unknown,
    subresource: string | undefined,
    options: WriteOptions,
  ): { object: KubeObject; created: boolean } {
    if (!options.fieldManager) {
      throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
    }
    const applied = this.checkBody(type, patch, ns);
    if (applied.metadata?.name !== name) {
      throw badRequest(
        `the name of the object (${String(applied.metadata?.name)}) does not match the name on the URL (${name})`,
      );
    }
    const ctx = this.writeContext(type, options, subresource);
    if (!stored) {
      if (subresource) throw notFound(type.plural, type.group, name);
      const merged = serverSideApply(undefined, applied, ctx, true);
      const created = this.create(type, ns, merged, options, {
        managedFields: merged.metadata?.managedFields ?? [],
      });
      return { object: created, created: true };
    }
    const current = this.present(type, stored);
    const merged = serverSideApply(current, applied, ctx, options.force === true);
    if (
      applied.metadata?.resourceVersion &&
      applied.metadata.resourceVersion !== stored.metadata?.resourceVersion
    ) {
      throw conflict(
        type.plural,
        type.group,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const fields = merged.metadata?.managedFields;
    const next = this.commitUpdateKeepingFields(type, stored, merged, subresource, options, fields);
    return { object: next, created: false };
  }

  private commitUpdateKeepingFields(
    type: ResourceType,
    stored: KubeObject,
    merged: KubeObject,
    subresource: string | undefined,
    options: WriteOptions,
    fields: ObjectMeta['managedFields'],
  ): KubeObject {
    // Run the usual update path, then put the SSA ownership in place of the Update entry.
    const result = this.commitUpdate(
      type,
      { ...stored, metadata: { ...stored.metadata, managedFields: fields } },
      merged,
      subresource,
      { ...options, dryRun: true },
      'patch',
    );
    const final: KubeObject = {
      ...result,
      metadata: { ...result.metadata, managedFields: fields },
    };
    if (options.dryRun) return final;
    const current = this.present(type, stored);
    if (jsonEqual(withoutRv(final), withoutRv(current))) return current;
    if (final.metadata?.deletionTimestamp && (final.metadata.finalizers ?? []).length === 0) {
      return this.present(type, this.removeNow(type, final));
    }
    const saved = this.store.put(this.key(type), this.toStorage(type, final), 'MODIFIED');
    this.afterWrite(type);
    return this.present(type, saved);
  }

  private removeNow(type: ResourceType, obj: KubeObject, orphan = false): KubeObject {
    const key = this.key(type);
    const removed =
      this.store.remove(key, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '') ?? obj;
    if (type.builtin) this.admission.release(removed);
    if (type.kind === 'CustomResourceDefinition' && type.builtin)
      this.removeCustomResources(removed);
    this.afterWrite(type);
    if (orphan) this.orphanDependents(removed.metadata?.uid);
    else this.collectDependents(removed.metadata?.uid);
    return removed;
  }

  /** Deleting a CRD deletes every object of its kind, as the real server does. */
  private removeCustomResources(crd: KubeObject): void {
    const spec = isRecord(crd['spec']) ? crd['spec'] : {};
    const names = isRecord(spec['names']) ? spec['names'] : {};
    const key = storageKey(String(spec['group'] ?? ''), String(names['plural'] ?? ''));
    for (const obj of this.store.list(key)) {
      this.store.remove(key, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
    }
  }

  /** propagationPolicy=Orphan: dependents stay, without the owner reference. */
  private orphanDependents(uid: string | undefined): void {
    if (!uid) return;
    const owned: Array<{ key: string; obj: KubeObject }> = [];
    for (const entry of this.store.entries()) {
      if ((entry.obj.metadata?.ownerReferences ?? []).some((o) => o['uid'] === uid))
        owned.push(entry);
    }
    for (const { key, obj } of owned) {
      const refs = (obj.metadata?.ownerReferences ?? []).filter((o) => o['uid'] !== uid);
      const metadata = { ...obj.metadata };
      if (refs.length > 0) metadata.ownerReferences = refs;
      else delete metadata.ownerReferences;
      this.store.put(key, { ...obj, metadata }, 'MODIFIED');
    }
  }

  /** Background garbage collection: objects owned by a deleted object are deleted too. */
  private collectDependents(uid: string | undefined): void {
    if (!uid) return;
    const victims: Array<{ key: string; obj: KubeObject }> = [];
    for (const entry of this.store.entries()) {
      const owners = entry.obj.metadata?.ownerReferences ?? [];
      if (owners.length > 0 && owners.every((o) => o['uid'] === uid)) victims.push(entry);
    }
    for (const { key, obj } of victims) {
      const type = this.registry.all().find((t) => this.key(t) === key);
      if (!type) continue;
      try {
        this.delete(type, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
      } catch {
        // already gone
      }
    }
  }

  /** The namespace controller's job, done at once: delete the contents, then the namespace. */
  private finalizeNamespace(name: string): void {
    const namespaced = new Map<string, ResourceType>();
    for (const t of this.registry.all()) if (t.namespaced) namespaced.set(this.key(t), t);
    for (const [key, type] of namespaced) {
      for (const obj of this.store.list(key, name)) {
        const stripped: KubeObject = { ...obj, metadata: { ...obj.metadata, finalizers: [] } };
        this.removeNow(type, stripped);
      }
    }
    this.store.remove(NAMESPACE_KEY, '', name);
  }

  private afterWrite(type: ResourceType): void {
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      this.refreshRegistry();
    }
  }
}

/** Custom resources and the builtin kinds with a controller contract carry metadata.generation. */
function tracksGeneration(type: ResourceType): boolean {
  return !type.builtin || type.kind === 'Deployment' || type.kind === 'CustomResourceDefinition';
}

function withoutRv(obj: KubeObject): KubeObject {
  const meta = { ...(obj.metadata ?? {}) };
  delete meta.resourceVersion;
  delete meta.managedFields;
  return { ...obj, metadata: meta };
}

/** metadata.generation moves on spec changes only (anything but metadata and a subresource status). */
function specChanged(type: ResourceType, prev: KubeObject, next: KubeObject): boolean {
  const strip = (o: KubeObject): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...o };
    delete copy['metadata'];
    delete copy['apiVersion'];
    delete copy['kind'];
    if (type.statusSubresource) delete copy['status'];
    return copy;
  };
  return !jsonEqual(strip(prev), strip(next));
}

function encodeContinue(after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after })).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      after?: unknown;
    };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through
  }
  throw badRequest('invalid continue token');
}
