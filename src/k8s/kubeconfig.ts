import * as fs from 'node:fs';
import { stringify } from 'yaml';

/** A kubeconfig for kubectl and client libraries pointing at a speakersim API server. */
export interface KubeconfigInit {
  server: string;
  token?: string;
  /** PEM of the server's self-signed certificate, when TLS is on. */
  caPem?: string;
  contextName?: string;
  namespace?: string;
}

export function kubeconfigYaml(init: KubeconfigInit): string {
  const name = init.contextName ?? 'speakersim';
  const cluster: Record<string, unknown> = { server: init.server };
  if (init.caPem) {
    cluster['certificate-authority-data'] = Buffer.from(init.caPem).toString('base64');
  } else if (init.server.startsWith('http://')) {
    // @kubernetes/client-node refuses plain http unless TLS verification is marked as skipped;
    // kubectl ignores the flag for http. There is no certificate to verify either way.
    cluster['insecure-skip-tls-verify'] = true;
  }
  const user: Record<string, unknown> = init.token ? { token: init.token } : {};
  const context: Record<string, unknown> = { cluster: name, user: name };
  if (init.namespace) context['namespace'] = init.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes the kubeconfig with mode 0600 (it may hold a token). */
export function writeKubeconfig(path: string, init: KubeconfigInit): void {
  fs.writeFileSync(path, kubeconfigYaml(init), { mode: 0o600 });
}
