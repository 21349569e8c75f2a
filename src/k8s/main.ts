import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiServer, type ApiServerOptions } from './api-server.js';

/**
 * `speakersim apiserver` entry: starts the API server and prints one JSON line
 * `{"url":..., "kubeconfig":..., "resourceVersion":...}` on stdout when it is ready.
 * Flags: --port N, --host H, --data-dir DIR, --kubeconfig FILE, --token-file FILE, --tls,
 * --no-crds, --namespace NS (repeatable). The bearer token comes from that file or from
 * SPEAKERSIM_API_TOKEN, never from argv, where any local user would read it (`ps`).
 */
export async function runApiServer(argv: string[]): Promise<ApiServer> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      kubeconfig: { type: 'string' },
      'token-file': { type: 'string' },
      tls: { type: 'boolean', default: false },
      'no-crds': { type: 'boolean', default: false },
      namespace: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const options: ApiServerOptions = {
    port: Number(values.port),
    host: values.host,
    tls: values.tls,
  };
  if (values['data-dir']) options.dataDir = values['data-dir'];
  if (values.kubeconfig) options.kubeconfigPath = values.kubeconfig;
  const token = values['token-file']
    ? readFileSync(values['token-file'], 'utf8').split('\n')[0]!.trim()
    : process.env['SPEAKERSIM_API_TOKEN'];
  if (values['token-file'] && !token) throw new Error(`${values['token-file']}: no token in it`);
  if (token) options.token = token;
  if (values['no-crds']) options.crdDir = false;
  if (values.namespace) options.namespaces = values.namespace;
  const server = await ApiServer.start(options);
  process.stdout.write(
    JSON.stringify({
      url: server.url,
      kubeconfig: server.kubeconfigPath,
      resourceVersion: server.store.currentRv(),
    }) + '\n',
  );
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}

const invokedDirectly =
  process.argv[1] !== undefined && /[\\/]k8s[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) {
  runApiServer(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`apiserver: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
