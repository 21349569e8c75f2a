import { storageRequestTooLarge } from '../errors.js';
import type { KubeObject } from '../resource-type.js';
import { DurableLog, objectId } from './durable-log.js';

/**
 * The object store: every object of every resource, one global resourceVersion counter (like
 * etcd's revision), and a bounded history of change events that watches resume from. A watch
 * asking for a revision older than the history answers 410 Gone (the caller decides how).
 *
 * Both bounds are the real server's in spirit: an object whose JSON exceeds etcd's request
 * limit (1.5 MiB) is refused as etcd refuses it, and the history is bounded by event count and
 * by bytes (the watch cache and etcd compaction forget old versions), so repeated large writes
 * cannot grow memory without end.
 */

/** etcd's default --max-request-bytes. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;
/** Bytes of object versions the watch history may hold. */
export const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  key: string;
  rv: number;
  object: KubeObject;
  /** The object before this change (MODIFIED/DELETED), for filters that must see both. */
  previous?: KubeObject;
}

export type StoreListener = (event: StoreEvent) => void;

export interface ObjectStoreOptions {
  /** Data dir for durability; in memory when absent. */
  dataDir?: string;
  /** How many events watches can resume from. */
  historySize?: number;
  /** Bound on the bytes (JSON) of the object versions the history holds. */
  historyBytes?: number;
  /** Largest object (JSON bytes) a write may store. */
  maxObjectBytes?: number;
  /** Log records between snapshots. */
  compactEvery?: number;
}

export class ObjectStore {
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly historySize: number;
  private readonly historyBytesLimit: number;
  private readonly maxObjectBytes: number;
  /** JSON size of every stored object version, for the history's byte bound. */
  private readonly sizes = new WeakMap<KubeObject, number>();
  /**
   * JSON text of the live version of each object, made once by put() for the size check and
   * reused for the write's response and its watch events; dropped when a newer version
   * replaces it (so the text held is bounded by the live objects, not by the history).
   */
  private readonly texts = new WeakMap<KubeObject, string>();
  private historyBytes = 0;
  private readonly listeners = new Set<StoreListener>();
  private readonly log: DurableLog | undefined;
  private rv: number;
  /** Events with rv > this are in `history`. */
  private oldestResumable: number;

  constructor(options: ObjectStoreOptions = {}) {
    this.historySize = options.historySize ?? 10_000;
    this.historyBytesLimit = options.historyBytes ?? DEFAULT_HISTORY_BYTES;
    this.maxObjectBytes = options.maxObjectBytes ?? MAX_OBJECT_BYTES;
    if (options.dataDir) {
      const { log, state } = DurableLog.open(options.dataDir, options.compactEvery);
      this.log = log;
      this.rv = state.rv;
      for (const { key, obj } of state.objects) this.bucket(key).set(objectId(obj), obj);
    } else {
      this.rv = 0;
    }
    this.oldestResumable = this.rv;
  }

  currentRv(): number {
    return this.rv;
  }

  /** Oldest resourceVersion a watch can start from without missing events. */
  oldestRv(): number {
    return this.oldestResumable;
  }

  /** Raises the counter so the next write gets at least `floor` + 1 (for seeded objects). */
  raiseRvFloor(floor: number): void {
    if (floor > this.rv) {
      this.rv = floor;
      // No event covers the skipped numbers, but none was missed either.
    }
  }

  get(key: string, namespace: string, name: string): KubeObject | undefined {
    return this.buckets.get(key)?.get(`${namespace}/${name}`);
  }

  /**
   * Objects of a resource, optionally in one namespace and only those `keep` accepts, sorted by
   * namespace then name. Filtering comes before sorting, and the sort compares the stored ids:
   * a selector list over thousands of objects (one BGPSessionState per session) stays cheap.
   */
  list(key: string, namespace?: string, keep?: (obj: KubeObject) => boolean): KubeObject[] {
    const bucket = this.buckets.get(key);
    if (!bucket) return [];
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    const out: [string, KubeObject][] = [];
    for (const [id, obj] of bucket) {
      if (prefix !== undefined && !id.startsWith(prefix)) continue;
      if (keep && !keep(obj)) continue;
      out.push([id, obj]);
    }
    return out.sort((a, b) => a[0].localeCompare(b[0])).map((e) => e[1]);
  }

  /** JSON.stringify(obj) when `obj` is the live version of a stored object, else undefined. */
  liveJson(obj: KubeObject): string | undefined {
    return this.texts.get(obj);
  }

  /** Every stored (key, object), for snapshots and scans across resources. */
  *entries(): Generator<{ key: string; obj: KubeObject }> {
    for (const [key, bucket] of this.buckets) for (const obj of bucket.values()) yield { key, obj };
  }

  /** Stores a new or changed object under the next resourceVersion and tells watchers. */
  put(key: string, obj: KubeObject, type: 'ADDED' | 'MODIFIED', rvOverride?: number): KubeObject {
    const rv = rvOverride !== undefined && rvOverride > this.rv ? rvOverride : this.rv + 1;
    const stored: KubeObject = {
      ...obj,
      metadata: { ...(obj.metadata ?? {}), resourceVersion: String(rv) },
    };
    const text = JSON.stringify(stored);
    const size = Buffer.byteLength(text);
    if (size > this.maxObjectBytes) throw storageRequestTooLarge();
    this.sizes.set(stored, size);
    this.log?.append({ t: 'put', k: key, rv, o: stored });
    this.rv = rv;
    const bucket = this.bucket(key);
    const id = objectId(stored);
    const previous = bucket.get(id);
    bucket.set(id, stored);
    if (previous) this.texts.delete(previous);
    this.texts.set(stored, text);
    this.emit(
      previous ? { type, key, rv, object: stored, previous } : { type, key, rv, object: stored },
    );
    this.maybeCompact();
    return stored;
  }

  /** Removes an object; the DELETED event carries it with the deletion's resourceVersion. */
  remove(key: string, namespace: string, name: string): KubeObject | undefined {
    const bucket = this.buckets.get(key);
    const id = `${namespace}/${name}`;
    const previous = bucket?.get(id);
    if (!bucket || !previous) return undefined;
    const rv = this.rv + 1;
    this.log?.append({ t: 'del', k: key, rv, id });
    this.rv = rv;
    bucket.delete(id);
    this.texts.delete(previous);
    const object: KubeObject = {
      ...previous,
      metadata: { ...(previous.metadata ?? {}), resourceVersion: String(rv) },
    };
    this.sizes.set(object, this.sizeOf(previous));
    this.emit({ type: 'DELETED', key, rv, object, previous });
    this.maybeCompact();
    return object;
  }

  /**
   * Forgets the history up to and including `rv`, as etcd compaction does: watches from
   * before it get 410 Gone, and the versions it held (a deleted object's too) are freed.
   */
  compactHistory(rv: number): void {
    let drop = 0;
    let bytes = this.historyBytes;
    while (drop < this.history.length && (this.history[drop] as StoreEvent).rv <= rv) {
      bytes -= this.eventBytes(this.history[drop] as StoreEvent);
      drop++;
    }
    if (drop > 0) this.history.splice(0, drop);
    this.historyBytes = bytes;
    this.oldestResumable = Math.max(this.oldestResumable, Math.min(rv, this.rv));
  }

  /** Events after `rv` (for a watch resuming there), or undefined when they are gone. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.oldestResumable) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.log?.close();
  }

  private bucket(key: string): Map<string, KubeObject> {
    let b = this.buckets.get(key);
    if (!b) {
      b = new Map();
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Bytes of the object versions the history holds now. */
  historyByteCount(): number {
    return this.historyBytes;
  }

  private sizeOf(obj: KubeObject | undefined): number {
    if (!obj) return 0;
    let size = this.sizes.get(obj);
    if (size === undefined) {
      // Objects recovered from a data dir were sized by nobody yet.
      size = Buffer.byteLength(JSON.stringify(obj));
      this.sizes.set(obj, size);
    }
    return size;
  }

  /** An event holds its object and the version before it: both count. */
  private eventBytes(event: StoreEvent): number {
    return this.sizeOf(event.object) + this.sizeOf(event.previous);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    this.historyBytes += this.eventBytes(event);
    // Trim in batches (a tenth of the size at a time) so that a full history costs O(1) per
    // write, not a splice of the whole array each time; the byte bound trims as far as needed.
    let drop = 0;
    if (this.history.length > this.historySize + Math.floor(this.historySize / 10)) {
      drop = this.history.length - this.historySize;
    }
    let bytes = this.historyBytes;
    for (let i = 0; i < drop; i++) bytes -= this.eventBytes(this.history[i] as StoreEvent);
    while (bytes > this.historyBytesLimit && drop < this.history.length) {
      bytes -= this.eventBytes(this.history[drop] as StoreEvent);
      drop++;
    }
    if (drop > 0) {
      const dropped = this.history.splice(0, drop);
      this.historyBytes = bytes;
      this.oldestResumable = dropped[dropped.length - 1]?.rv ?? this.oldestResumable;
    }
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a broken listener must not break the write that already succeeded
      }
    }
  }

  private maybeCompact(): void {
    if (this.log?.wantsCompaction()) {
      this.log.compact({ rv: this.rv, objects: [...this.entries()] });
    }
  }
}
