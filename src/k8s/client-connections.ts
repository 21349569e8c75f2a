/**
 * The client's HTTP connections: requests of one KubeClient share a pool of kept-alive
 * connections to the API server.
 *
 * Why not client-node's own transport: it builds a new http(s).Agent for every request (in
 * KubeConfig.applySecurityAuthentication), without keep-alive, so every request opened and
 * closed a TCP connection (and, with TLS, made a handshake). At 1,000 sessions' status writes
 * that was most of the client's cost and left tens of thousands of sockets in TIME_WAIT.
 *
 * Credentials stay client-node's: the caller applies them to each request (headers, client
 * certificate), and this pool takes the TLS options from the agent client-node built for the
 * request; a pool whose options no longer match (a rotated client certificate) is replaced.
 * Used as client-node's HttpLibrary; a cluster reached through a proxy keeps client-node's
 * transport (its proxy agents).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import {
  type PromiseHttpLibrary,
  type RequestContext,
  ResponseContext,
} from '@kubernetes/client-node';

/** Sockets per API server; more requests wait for a free one (as Go's MaxConnsPerHost). */
export const MAX_CONNECTIONS = 32;

/** TLS options client-node sets on its per-request agent (KubeConfig.createAgent). */
const TLS_OPTION_NAMES = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
] as const;

export class KeepAliveConnections implements PromiseHttpLibrary {
  private agent: http.Agent | undefined;
  /** The protocol and TLS options the agent was made with. */
  private agentOptions: Record<string, unknown> = {};

  /** Sends the request client-node prepared (URL, method, headers, body, TLS options). */
  send(ctx: RequestContext): Promise<ResponseContext> {
    const url = new URL(ctx.getUrl());
    const agent = this.agentFor(url.protocol, ctx.getAgent());
    const body = ctx.getBody() as string | undefined;
    const headers: Record<string, string | number> = { ...ctx.getHeaders() };
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
    const attempt = (retry: boolean): Promise<ResponseContext> =>
      new Promise((resolve, reject) => {
        const lib = url.protocol === 'https:' ? https : http;
        const req = lib.request(url, { method: ctx.getHttpMethod(), headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const data = Buffer.concat(chunks);
            resolve(
              new ResponseContext(res.statusCode ?? 0, flatHeaders(res.headers), {
                text: () => Promise.resolve(data.toString('utf8')),
                binary: () => Promise.resolve(data),
              }),
            );
          });
        });
        req.on('error', (err: NodeJS.ErrnoException) => {
          // A kept-alive connection the server closed while this request was being sent: the
          // server never read the request (Node's documented case for req.reusedSocket), so
          // one retry on a fresh connection is safe.
          if (retry && req.reusedSocket && err.code === 'ECONNRESET') {
            attempt(false).then(resolve, reject);
          } else reject(err);
        });
        req.end(body);
      });
    return attempt(true);
  }

  private agentFor(protocol: string, prepared: unknown): http.Agent {
    const options: Record<string, unknown> = {};
    const given = (prepared as { options?: Record<string, unknown> } | undefined)?.options ?? {};
    for (const name of TLS_OPTION_NAMES) {
      if (given[name] !== undefined) options[name] = given[name];
    }
    options['protocol'] = protocol;
    if (!this.agent || !sameOptions(options, this.agentOptions)) {
      this.agent?.destroy();
      const { protocol: _p, ...tls } = options;
      const init = { ...tls, keepAlive: true, maxSockets: MAX_CONNECTIONS };
      this.agent = protocol === 'https:' ? new https.Agent(init) : new http.Agent(init);
      this.agentOptions = options;
    }
    return this.agent;
  }
}

/** Same option names with equal values (Buffers by content: client-node decodes them anew). */
function sameOptions(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((n) => {
    const x = a[n];
    const y = b[n];
    if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) return x.equals(y);
    return x === y;
  });
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
