/**
 * A second speakersim API server in its own process, standing in for an existing cluster that
 * `--kubeconfig` points at (run, lab up, speaker). Tests reach it through its kubeconfig only.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KubeClient } from '../../src/k8s/client.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface ClusterProcesses {
  /** A temporary folder for kubeconfigs and fixtures; removed by `stop`. */
  dir: string;
  /**
   * Starts one API server; resolves to its kubeconfig path. `crds: false`: a cluster where
   * the CRDs from crds/ were never applied.
   */
  start(o?: { crds?: boolean }): Promise<string>;
  /** Sends a signal to the API server behind `kubeconfig` (SIGSTOP: a cluster that hangs). */
  signal(kubeconfig: string, signal: NodeJS.Signals): void;
  /** Ends every process started here and removes `dir`. */
  stop(): void;
}

export function clusterProcesses(): ClusterProcesses {
  const dir = mkdtempSync(join(tmpdir(), 'speakersim-cluster-'));
  const children: ChildProcess[] = [];
  const byKubeconfig = new Map<string, ChildProcess>();
  let n = 0;
  const start = (o: { crds?: boolean } = {}): Promise<string> => {
    const kubeconfig = join(dir, `cluster${n++}.kubeconfig`);
    const args =
      o.crds === false
        ? [
            '--input-type=module',
            '-e',
            `const m = await import('./src/k8s/main.ts'); await m.runApiServer(['--port', '0', '--no-crds', '--kubeconfig', ${JSON.stringify(kubeconfig)}]);`,
          ]
        : ['src/cli/main.ts', 'apiserver', '--kubeconfig', kubeconfig];
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    byKubeconfig.set(kubeconfig, child);
    let text = '';
    return new Promise((ok, fail) => {
      child.stdout!.on('data', (c: Buffer) => {
        text += c.toString();
        const line = text.split('\n').find((l) => l.startsWith('{'));
        if (line) ok((JSON.parse(line) as { kubeconfig: string }).kubeconfig);
      });
      child.on('exit', (code) => fail(new Error(`API server exited with ${code}`)));
    });
  };
  const signal = (kubeconfig: string, sig: NodeJS.Signals): void => {
    byKubeconfig.get(kubeconfig)?.kill(sig);
  };
  const stop = (): void => {
    for (const c of children.splice(0)) {
      c.kill('SIGCONT');
      c.kill('SIGTERM');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, start, signal, stop };
}

/** A speakersim command in its own process, its output collected. */
export interface CliProcess {
  stdout(): string;
  stderr(): string;
  /** Its exit code (signal: -1). */
  exited: Promise<number>;
  kill(): void;
}

export function cli(args: string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number>((ok) => child.on('exit', (code) => ok(code ?? -1)));
  return {
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/** Polls `cond` every 100 ms (real time: these tests run processes) until it holds. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  explain: () => string = () => '',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms ${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The cluster's BGPSessionStates as [node, peer, bgpStatus, bfdStatus] rows, sorted. */
export async function sessionRows(c: KubeClient, namespace: string): Promise<string[][]> {
  const list = await c.list('frrk8s.metallb.io/v1beta1', 'BGPSessionState', { namespace });
  return list
    .map((s) => {
      const st = (s['status'] ?? {}) as Record<string, string>;
      return [st['node'] ?? '', st['peer'] ?? '', st['bgpStatus'] ?? '', st['bfdStatus'] ?? ''];
    })
    .sort((a, b) => a.join().localeCompare(b.join()));
}

/**
 * `kubectl get <args>` (the real one) against the cluster, as rows of cells cut at the
 * header's column positions (an empty column, like the default VRF's, stays '').
 */
export async function kubectlTable(
  kubeconfig: string,
  args: string[],
): Promise<{ header: string[]; rows: string[][] }> {
  const { stdout } = await promisify(execFile)('kubectl', ['get', ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
  });
  const [head = '', ...lines] = stdout.trimEnd().split('\n');
  const starts = [...head.matchAll(/\S+/g)].map((m) => m.index);
  const cells = (line: string) =>
    starts.map((at, i) => line.slice(at, starts[i + 1] ?? line.length).trim());
  return { header: cells(head), rows: lines.filter((l) => l.trim()).map(cells) };
}
