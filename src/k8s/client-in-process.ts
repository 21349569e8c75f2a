/**
 * KubeClient's in-process transport: requests to an API server in the same process (the one
 * `run` and `lab up` embed) handed to that server's verb dispatch as request and response
 * objects, without sockets, HTTP parsing or client-node's per-request agent. The request is
 * the one HTTP would carry (method, path and query, headers with the credentials, the JSON
 * body as text) and the answer is read back from its status, headers and JSON text, so what
 * a caller gets (objects, resourceVersions, Status errors, watch events) is what it gets over
 * HTTP: both go through the one dispatch (api/dispatch.ts).
 *
 * Watch streams are delivered on a microtask after the write that caused them, never inside
 * it, as a socket would: a watcher's callback cannot run within the API server's write.
 * kubectl and other clients keep using HTTP(S); SPEAKERSIM_KUBE_TRANSPORT=http makes the
 * embedded client use HTTP too (client.ts).
 */
import { EventEmitter } from 'node:events';
import {
  AbortError,
  type KubeConfig,
  type PromiseHttpLibrary,
  type RequestContext,
  ResponseContext,
  Watch,
} from '@kubernetes/client-node';
import { SpeakersimError } from '../core/errors.js';
import type { ApiRequest, ApiResponse } from './api/exchange.js';

/** What serves in-process requests: the API server's verb dispatch while it is open. */
export interface InProcessEndpoint {
  serve(req: ApiRequest, res: ApiResponse): void;
}

export class InProcessServerClosedError extends SpeakersimError {
  constructor() {
    super('ERR_K8S_SERVER_CLOSED', 'the in-process API server is closed');
  }
}

export interface InProcessAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

const EMPTY = Buffer.alloc(0);

/** A request whose body is already whole; `close` is emitted when the client goes away. */
class InProcessRequest extends EventEmitter implements ApiRequest {
  readonly complete = true;
  /** Header names in lower case, as node:http gives them. */
  readonly headers: Record<string, string> = {};
  constructor(
    readonly method: string,
    readonly url: string,
    headers: Record<string, string>,
    /** Empty when the request has none: dispatch reads bodies of DELETE and others too. */
    readonly body: Buffer,
  ) {
    super();
    for (const [k, v] of Object.entries(headers)) this.headers[k.toLowerCase()] = v;
  }

  resume(): void {
    // The body is not a stream: nothing to drain.
  }
}

/**
 * The answer, as the dispatcher writes it: `onHead` when the status line goes out, every
 * chunk to `onChunk`, `onEnd` at the end. `close` is emitted when the client goes away.
 */
class InProcessResponse extends EventEmitter implements ApiResponse {
  headersSent = false;
  writableEnded = false;
  writableLength = 0;
  status = 0;
  headers: Record<string, string> = {};

  constructor(
    private readonly sink: {
      onHead(res: InProcessResponse): void;
      onChunk(text: string, res: InProcessResponse): void;
      onEnd(res: InProcessResponse): void;
    },
  ) {
    super();
  }

  writeHead(code: number, headers: Record<string, string | string[]>): this {
    this.status = code;
    for (const [k, v] of Object.entries(headers)) {
      this.headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    return this;
  }

  flushHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.sink.onHead(this);
  }

  write(chunk: string): boolean {
    if (this.writableEnded) return false;
    this.flushHeaders();
    this.sink.onChunk(chunk, this);
    return true;
  }

  end(chunk?: string): this {
    if (this.writableEnded) return this;
    if (chunk !== undefined && chunk !== '') this.write(chunk);
    this.flushHeaders();
    this.writableEnded = true;
    this.sink.onEnd(this);
    // As node:http's response: `close` follows the end (the dispatcher forgets a watch on it).
    queueMicrotask(() => this.emit('close'));
    return this;
  }
}

/** One request and its whole answer. */
export function exchange(
  endpoint: () => InProcessEndpoint,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<InProcessAnswer> {
  return new Promise((resolve, reject) => {
    let target: InProcessEndpoint;
    try {
      target = endpoint();
    } catch (err) {
      reject(err);
      return;
    }
    const chunks: string[] = [];
    const res = new InProcessResponse({
      onHead: () => undefined,
      onChunk: (text) => chunks.push(text),
      // The answer comes back on the next turn of the event loop, as a socket's would: a
      // queue of writes (1,000 sessions' status) otherwise ran back to back in microtasks and
      // held timers and I/O (keepalives, BFD) until all were done.
      onEnd: (r) =>
        setImmediate(() =>
          resolve({
            status: r.status,
            headers: r.headers,
            text: chunks.length === 1 ? chunks[0]! : chunks.join(''),
          }),
        ),
    });
    const req = new InProcessRequest(
      method,
      url,
      headers,
      body === undefined ? EMPTY : Buffer.from(body, 'utf8'),
    );
    target.serve(req, res);
  });
}

/**
 * A watch: chunks are split into lines and handed to `onLine` on a microtask; `onDone` once,
 * with null when the server ended the stream, an error when it refused the watch (a Status
 * with statusCode, as client-node's Watch reports it), or AbortError when the caller stopped.
 */
function watchStream(
  endpoint: () => InProcessEndpoint,
  url: string,
  headers: Record<string, string>,
  onLine: (line: string) => void,
  onDone: (err: unknown) => void,
): () => void {
  let pending = '';
  let scheduled = false;
  let ended = false;
  let done = false;
  let refused: Error | undefined;
  const finish = (err: unknown): void => {
    if (done) return;
    done = true;
    onDone(err);
  };
  const deliver = (): void => {
    scheduled = false;
    let nl = pending.indexOf('\n');
    while (nl >= 0 && !done) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim()) onLine(line);
      nl = pending.indexOf('\n');
    }
    if (ended) finish(refused ?? null);
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(deliver);
  };
  let target: InProcessEndpoint;
  try {
    target = endpoint();
  } catch (err) {
    queueMicrotask(() => finish(err));
    return () => undefined;
  }
  const req = new InProcessRequest('GET', url, headers, EMPTY);
  const res = new InProcessResponse({
    onHead: (r) => {
      if (r.status !== 200) {
        refused = Object.assign(new Error(`watch refused with HTTP ${r.status}`), {
          statusCode: r.status,
        });
      }
    },
    onChunk: (text, r) => {
      if (refused) return;
      pending += text;
      r.writableLength = pending.length;
      schedule();
    },
    onEnd: () => {
      ended = true;
      schedule();
    },
  });
  target.serve(req, res);
  return () => {
    if (done) return;
    // As a client closing its connection: the server ends the stream and forgets it.
    req.emit('close');
    res.emit('close');
    finish(new AbortError('The operation was aborted.'));
  };
}

/** client-node's HttpLibrary over the in-process exchange (discovery and any other call). */
export class InProcessHttpLibrary implements PromiseHttpLibrary {
  constructor(private readonly endpoint: () => InProcessEndpoint) {}

  async send(ctx: RequestContext): Promise<ResponseContext> {
    const url = new URL(ctx.getUrl());
    const body = ctx.getBody() as string | undefined;
    const answer = await exchange(
      this.endpoint,
      ctx.getHttpMethod(),
      url.pathname + url.search,
      ctx.getHeaders(),
      body,
    );
    return new ResponseContext(answer.status, answer.headers, {
      text: () => Promise.resolve(answer.text),
      binary: () => Promise.resolve(Buffer.from(answer.text, 'utf8')),
    });
  }
}

/**
 * client-node's Watch over the in-process transport (KubeClient.watch and its informers):
 * the same query, credentials and event callbacks, without a connection.
 */
export class InProcessWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly endpoint: () => InProcessEndpoint,
    private readonly headers: () => Promise<Record<string, string>>,
  ) {
    super(config);
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const query = new URLSearchParams({ watch: 'true' });
    for (const [k, v] of Object.entries(queryParams ?? {})) {
      if (v !== undefined) query.set(k, String(v));
    }
    const controller = new AbortController();
    const stop = watchStream(
      this.endpoint,
      `${path}?${query.toString()}`,
      { Accept: 'application/json', ...(await this.headers()) },
      (line) => {
        try {
          const data = JSON.parse(line) as { type: string; object: unknown };
          callback(data.type, data.object, data);
        } catch {
          // as client-node's Watch: a line that is not JSON is skipped
        }
      },
      (err) => {
        controller.abort();
        done(err);
      },
    );
    controller.signal.addEventListener('abort', stop, { once: true });
    return controller;
  }
}
