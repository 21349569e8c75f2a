/**
 * ui/: the live view trainers open beside a lab (`lab up --ui`, `run --ui`). A small HTTP
 * server on loopback serves one self-contained page (page.ts: inline CSS and script, no CDN)
 * and feeds it over server-sent events from watches on the API server (BGPSessionState,
 * ServiceBGPStatus, Service), so the page shows what `kubectl get -o wide -w` shows, as it
 * happens. The page's fault buttons POST to /api/inject, which calls the same fault code as
 * `speakersim inject` (the source's `inject`).
 *
 * Data flow: API server watch -> project() (model.ts) -> cache + SSE `watch` event -> page.
 * Requests whose Host is not the loopback address it listens on, or whose Origin is another
 * site, are refused (a page elsewhere must not be able to inject faults through the browser).
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { KubeClient } from '../k8s/client.js';
import { LiveViewError } from './errors.js';
import {
  WATCHED,
  parseFaultRequest,
  project,
  type FaultRequest,
  type ViewObject,
  type ViewTopology,
  type WatchedKind,
} from './model.js';
import { PAGE_SCRIPT, livePage } from './page.js';

/** What the view shows and acts on: one running scenario session. */
export interface LiveViewSource {
  client: KubeClient;
  topology: ViewTopology;
  /** Runs a fault, as `speakersim inject` does. */
  inject(request: FaultRequest): Promise<unknown>;
}

export interface LiveViewInit {
  /** 0 (default): a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default) or ::1. */
  host?: '127.0.0.1' | '::1';
  /** SSE comment interval that keeps idle connections open through proxies (ms). */
  keepaliveMs?: number;
}

/** One SSE `watch` event: a projected object and when the server saw it (wall ms). */
export interface WatchMessage {
  kind: WatchedKind;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: ViewObject;
  seenAt: number;
}

const SCRIPT_HASH = `sha256-${createHash('sha256').update(PAGE_SCRIPT).digest('base64')}`;
const CSP = [
  "default-src 'none'",
  `script-src '${SCRIPT_HASH}'`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export class LiveViewServer {
  private readonly clients = new Set<http.ServerResponse>();
  private readonly cache = new Map<string, WatchMessage>();
  private source: LiveViewSource | undefined;
  private stops: (() => void)[] = [];
  private generation = 0;
  private keepalive: NodeJS.Timeout | undefined;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly hosts: Set<string>,
  ) {}

  static async start(init: LiveViewInit = {}): Promise<LiveViewServer> {
    const host = init.host ?? '127.0.0.1';
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) =>
        reject(new LiveViewError('ERR_UI_LISTEN', `live view: cannot listen: ${e.message}`)),
      );
      server.listen(init.port ?? 0, host, resolve);
    });
    const port = (server.address() as AddressInfo).port;
    const shown = host === '::1' ? '[::1]' : host;
    const hosts = new Set([`${shown}:${port}`, `localhost:${port}`]);
    const view = new LiveViewServer(server, `http://${shown}:${port}/`, hosts);
    server.on('request', (req, res) => view.handle(req, res));
    view.keepalive = setInterval(
      () => view.broadcast(': keepalive\n\n'),
      init.keepaliveMs ?? 15_000,
    );
    view.keepalive.unref();
    return view;
  }

  /** Shows this session from now on (the page resets); replaces any previous one. */
  async attach(source: LiveViewSource): Promise<void> {
    this.detach();
    this.source = source;
    const generation = ++this.generation;
    this.broadcast(sse('hello', { topology: source.topology }));
    for (const { apiVersion, kind } of WATCHED) await this.watch(generation, apiVersion, kind);
  }

  /** Stops showing the current session (e.g. between scenarios of `run --ui`). */
  detach(): void {
    this.generation++;
    for (const stop of this.stops.splice(0)) stop();
    this.cache.clear();
    if (this.source) {
      this.source = undefined;
      this.broadcast(sse('hello', { topology: null }));
    }
  }

  async close(): Promise<void> {
    this.detach();
    clearInterval(this.keepalive);
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async watch(generation: number, apiVersion: string, kind: WatchedKind): Promise<void> {
    const source = this.source;
    if (!source || generation !== this.generation) return;
    // A watch without resourceVersion starts with an ADDED event per existing object.
    const stop = await source.client.watch(
      apiVersion,
      kind,
      {},
      (type, obj) => {
        if (generation !== this.generation) return;
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
        const object = project(kind, obj);
        const key = `${kind}/${object.namespace}/${object.name}`;
        const msg: WatchMessage = { kind, type, object, seenAt: Date.now() };
        if (type === 'DELETED') this.cache.delete(key);
        else this.cache.set(key, msg);
        this.broadcast(sse('watch', msg));
      },
      () => {
        // The stream ended (API server restart, 410 Gone): watch again while still attached.
        if (generation !== this.generation) return;
        setTimeout(() => void this.watch(generation, apiVersion, kind).catch(() => undefined), 200);
      },
    );
    if (generation !== this.generation) stop();
    else this.stops.push(stop);
  }

  private broadcast(chunk: string): void {
    for (const c of this.clients) c.write(chunk);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const refuse = (code: number, e: LiveViewError) =>
      reply(code, { code: e.code, error: e.message });
    // DNS rebinding: only our own loopback host name; CSRF: no foreign Origin.
    const origin = req.headers.origin;
    if (!this.hosts.has(req.headers.host ?? '') || (origin && !this.hosts.has(originHost(origin))))
      return refuse(
        403,
        new LiveViewError('ERR_UI_FORBIDDEN', 'live view answers only itself on loopback'),
      );
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      });
      res.end(livePage(this.source?.topology.lab ?? 'speakersim'));
    } else if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(sse('hello', { topology: this.source?.topology ?? null }));
      for (const m of this.cache.values()) res.write(sse('watch', m));
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
    } else if (req.method === 'GET' && path === '/api/state') {
      reply(200, { topology: this.source?.topology ?? null, objects: [...this.cache.values()] });
    } else if (req.method === 'POST' && path === '/api/inject') {
      void this.inject(req).then(
        (r) => reply(r.status, r.body),
        (e: unknown) =>
          reply(500, {
            code: (e as { code?: string }).code ?? 'ERR_UI_INJECT',
            error: e instanceof Error ? e.message : String(e),
          }),
      );
    } else reply(404, { code: 'ERR_UI_NOT_FOUND', error: `no route ${req.method} ${path}` });
  }

  private async inject(req: http.IncomingMessage): Promise<{ status: number; body: unknown }> {
    const bad = (why: string) => ({
      status: 400,
      body: { code: 'ERR_UI_BAD_REQUEST', error: why },
    });
    // A cross-site form cannot send application/json without a CORS preflight we never grant.
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      return bad('content-type must be application/json');
    let text = '';
    for await (const chunk of req) {
      text += (chunk as Buffer).toString();
      if (text.length > 4096) return bad('request too large');
    }
    const source = this.source;
    if (!source)
      return { status: 409, body: { code: 'ERR_UI_NO_LAB', error: 'no lab is attached' } };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return bad('body is not JSON');
    }
    const parsed = parseFaultRequest(body, source.topology);
    if (!parsed.ok) return bad(parsed.reason);
    await source.inject(parsed.request);
    return { status: 200, body: { ok: true, request: parsed.request } };
  }
}

function originHost(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return '';
  }
}

/** One server-sent event (HTML Living Standard 9.2: `event:` and `data:` lines, blank line). */
function sse(event: string, data: unknown): string {
  // JSON.stringify never emits a raw newline, so one data line carries the whole payload.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
