/**
 * Prometheus scrape endpoint for the MetalLB model, as each MetalLB pod serves /metrics:
 * `/metrics/<node>` is that node's speaker, `/metrics/controller` (and `/metrics`) the
 * controller. Loopback only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { MetallbRuntime } from './runtime.js';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(
  runtime: MetallbRuntime,
  port = 0,
  host = '127.0.0.1',
): Promise<MetricsServer> {
  return serveRegistries(
    (target) =>
      target === undefined || target === 'controller'
        ? runtime.registry
        : runtime.nodeRegistry(target),
    port,
    host,
  );
}

/**
 * `/metrics` and `/metrics/<target>` from the registry `registryFor` names (undefined: 404).
 * Also what `speakersim speaker --metrics` serves.
 */
export async function serveRegistries(
  registryFor: (target: string | undefined) => Registry | undefined,
  port = 0,
  host = '127.0.0.1',
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
      const m = path.match(/^\/metrics(?:\/([^/]+))?$/);
      const target = m
        ? registryFor(m[1] === undefined ? undefined : decodeURIComponent(m[1]))
        : undefined;
      if (!target || req.method !== 'GET') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try /metrics/controller or /metrics/<node>\n');
        return;
      }
      try {
        const body = await target.metrics();
        res.writeHead(200, { 'content-type': target.contentType });
        res.end(body);
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${error instanceof Error ? error.message : String(error)}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
