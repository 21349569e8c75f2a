import type { Clock, Timer } from '../../core/clock.js';
import type { KubeObject, ResourceType } from '../resource-type.js';
import type { ApiResponse } from './exchange.js';
import { apiVersionOf } from '../resource-type.js';
import { matchesFields, matchesLabels, type Selector } from '../selectors.js';
import type { ObjectStore, StoreEvent } from '../store/object-store.js';

/**
 * One watch connection: newline-delimited JSON events over a chunked response. Events of
 * objects moving into or out of the selection become ADDED/DELETED, as in the real server.
 * Bookmarks carry the current resourceVersion so clients can resume without re-listing.
 */

export interface WatchRequest {
  type: ResourceType;
  key: string;
  namespace: string | undefined;
  labelSelector: Selector | undefined;
  fieldSelector: Selector | undefined;
  /** undefined/'0' = start with the current state as ADDED events. */
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  timeoutMs: number | undefined;
  bookmarkIntervalMs: number;
  /** JSON text of an object as the client asked for it (a Table, or the object at its version). */
  encode: (obj: KubeObject) => string;
}

/** Bytes a watch may have queued for a client that does not read before it is closed. */
export const MAX_WATCH_BACKLOG_BYTES = 32 * 1024 * 1024;

export function startWatch(
  res: ApiResponse,
  store: ObjectStore,
  timers: Clock,
  request: WatchRequest,
  currentObjects: () => KubeObject[],
  onClose: (cb: () => void) => void,
): void {
  const matches = (obj: KubeObject | undefined): boolean =>
    obj !== undefined &&
    (request.namespace === undefined || (obj.metadata?.namespace ?? '') === request.namespace) &&
    matchesLabels(request.labelSelector, obj) &&
    matchesFields(request.fieldSelector, obj);

  const write = (type: string, object: unknown): void => {
    if (res.writableEnded) return;
    res.write(JSON.stringify({ type, object }) + '\n');
  };
  // Objects arrive pre-serialised (shared by every watcher of the same encoding).
  const writeEncoded = (type: string, json: string): void => {
    if (res.writableEnded) return;
    res.write(`{"type":"${type}","object":${json}}\n`);
    // A client that does not read must not make the server buffer live events without end:
    // like the real watch cache, which drops a watcher whose channel is full, end its stream;
    // it re-watches from its last resourceVersion (or re-lists on 410). The initial state is
    // bounded by the store and is sent whole.
    if (live && res.writableLength > MAX_WATCH_BACKLOG_BYTES) close();
  };

  const send = (event: StoreEvent): void => {
    if (event.key !== request.key) return;
    const now = matches(event.object);
    const before = matches(event.previous);
    if (event.type === 'ADDED' && now) writeEncoded('ADDED', request.encode(event.object));
    else if (event.type === 'DELETED' && before)
      writeEncoded('DELETED', request.encode(event.object));
    else if (event.type === 'MODIFIED') {
      if (now && before) writeEncoded('MODIFIED', request.encode(event.object));
      else if (now) writeEncoded('ADDED', request.encode(event.object));
      else if (before) writeEncoded('DELETED', request.encode(event.object));
    }
  };

  let closed = false;
  let live = false;
  const timersSet: Timer[] = [];
  let unsubscribe = (): void => undefined;
  let backlog: StoreEvent[] = [];
  const rv = request.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== '0') {
    const n = Number(rv);
    const since = Number.isInteger(n) ? store.eventsSince(n) : undefined;
    if (!since) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${rv} (${store.oldestRv() + 1})`,
        reason: 'Expired',
        code: 410,
      });
      res.end();
      return;
    }
    backlog = since;
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  if (rv === undefined || rv === '' || rv === '0') {
    for (const obj of currentObjects())
      if (matches(obj)) writeEncoded('ADDED', request.encode(obj));
  }
  for (const e of backlog) send(e);
  live = true;
  unsubscribe = store.subscribe(send);

  const bookmark = (): void => {
    write('BOOKMARK', {
      kind: request.type.kind,
      apiVersion: apiVersionOf(request.type.group, request.type.version),
      metadata: { resourceVersion: String(store.currentRv()) },
    });
    timersSet.push(timers.setTimer(request.bookmarkIntervalMs, bookmark));
  };
  if (request.allowBookmarks) timersSet.push(timers.setTimer(request.bookmarkIntervalMs, bookmark));

  function close(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const t of timersSet) t.cancel();
    if (!res.writableEnded) res.end();
  }
  if (request.timeoutMs !== undefined) timersSet.push(timers.setTimer(request.timeoutMs, close));
  onClose(close);
}
