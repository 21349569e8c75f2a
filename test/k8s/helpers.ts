import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { ApiServer, type ApiServerOptions } from '../../src/k8s/api-server.js';

export const KUBECTL = '/usr/bin/kubectl';

/**
 * kubectl tests skip (with the reason) when the binary is missing, and fail instead when
 * SPEAKERSIM_REQUIRE_INTEGRATION=1 (CI installs kubectl, so there they never skip).
 */
export function kubectlAvailable(): boolean {
  const present = fs.existsSync(KUBECTL);
  if (!present && process.env['SPEAKERSIM_REQUIRE_INTEGRATION'] === '1') {
    throw new Error(`${KUBECTL} is required (SPEAKERSIM_REQUIRE_INTEGRATION=1) but missing`);
  }
  if (!present) console.warn(`skipping kubectl tests: ${KUBECTL} not found`);
  return present;
}

export interface Harness {
  server: ApiServer;
  clock: ManualClock;
  kubectl(
    args: string[],
    stdin?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  tmp: string;
  close(): Promise<void>;
}

/** Starts an in-process server on port 0 with a manual clock and a seeded Random. */
export async function startHarness(
  wallStart: number,
  options: ApiServerOptions = {},
): Promise<Harness> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'speakersim-k8s-test-'));
  const clock = new ManualClock(wallStart);
  const server = await ApiServer.start({
    clock,
    random: new SeededRandom(7),
    kubeconfigPath: path.join(tmp, 'kubeconfig'),
    ...options,
  });
  const kubectl = (args: string[], stdin?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        KUBECTL,
        ['--kubeconfig', server.kubeconfigPath, '--cache-dir', path.join(tmp, 'cache'), ...args],
        { env: { PATH: process.env['PATH'] ?? '/usr/bin', HOME: tmp }, timeout: 30_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  return {
    server,
    clock,
    kubectl,
    tmp,
    close: async () => {
      await server.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Splits a kubectl table into cells using the header's column starts (headers are words
 * separated by single spaces, columns by at least two), so blank cells stay blank.
 */
export function parseTable(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  const headerLine = lines[0] ?? '';
  const starts: number[] = [];
  const header: string[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(headerLine); m; m = re.exec(headerLine)) {
    starts.push(m.index);
    header.push(m[0]);
  }
  const rows = lines
    .slice(1)
    .map((line) =>
      starts.map((s, i) => line.slice(s, i + 1 < starts.length ? starts[i + 1] : undefined).trim()),
    );
  return { header, rows };
}

/** Removes the indentation a document block was quoted with. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(
    ...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length),
  );
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** A Status (or any object) the API server answered, as tests read it. */
export interface StatusBody {
  kind: string;
  status?: string;
  reason?: string;
  code: number;
  message: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason: string; field?: string }>;
  };
}

export interface CallResult {
  code: number;
  body: StatusBody & Record<string, unknown>;
  /** The Warning header (fieldValidation=Warn, deprecations). */
  warning: string;
}

/** One request with a body of the given content type; the answer parsed as JSON. */
export async function call(
  server: ApiServer,
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<CallResult> {
  const init: RequestInit = { method, headers: { 'Content-Type': contentType } };
  if (body !== undefined) init.body = body;
  const res = await fetch(server.url + path, init);
  return {
    code: res.status,
    body: (await res.json()) as StatusBody & Record<string, unknown>,
    warning: res.headers.get('warning') ?? '',
  };
}
