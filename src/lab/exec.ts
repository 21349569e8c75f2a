import { spawn, spawnSync } from 'node:child_process';
import { LabCommandError } from './errors.js';
import { isAlive, sleepSync } from './proc.js';

/**
 * Child processes for the lab: always an argument array, never a shell string, always with a
 * time limit. `runSync` exists only for the process 'exit' hook, where nothing async can run.
 */

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Text written to the child's stdin (e.g. an nft ruleset for `nft -f -`). */
  input?: string;
  timeoutMs?: number;
  /** Resolve with the result instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Children still running: a signal during `up` kills them before the teardown sweeps. */
const inFlight = new Set<number>();

/** SIGKILLs every child `run` started that has not ended yet, and waits (bounded) for them. */
export function killInFlight(waitMs = 1000): void {
  const pids = [...inFlight];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (let waited = 0; waited < waitMs && pids.some(isAlive); waited += 10) sleepSync(10);
}

export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new LabCommandError(argv, null, 'empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) inFlight.add(pid);
    let stdout = '';
    let stderr = '';
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(null, 'timed out');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const finish = (code: number | null, extra = ''): void => {
      if (settled) return;
      settled = true;
      if (pid !== undefined) inFlight.delete(pid);
      clearTimeout(timer);
      const result = { code, stdout, stderr: stderr + extra };
      if (code === 0 || (options.allowFailure && code !== null)) resolve(result);
      else reject(new LabCommandError(argv, code, result.stderr || stdout));
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => finish(null, e.message));
    child.on('close', (code) => finish(code));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export function runSync(argv: readonly string[], options: RunOptions = {}): RunResult {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new LabCommandError(argv, null, 'empty argv');
  const r = spawnSync(cmd, args, {
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const result = { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (result.code !== 0 && !(options.allowFailure && result.code !== null)) {
    throw new LabCommandError(argv, result.code, result.stderr || String(r.error ?? ''));
  }
  return result;
}

/** Runs argv inside a network namespace (`ip netns exec`). */
export function inNamespace(namespace: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', namespace, ...argv];
}
