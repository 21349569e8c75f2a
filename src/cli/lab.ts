/**
 * `speakersim lab up|down|status` and `speakersim inject`: a lab that stays up for a class.
 * `lab up` runs the scenario's topology and resources (not its steps) in real time, serves the
 * API server, and listens on a loopback control port for `inject` and `status`; its state file
 * (in the OS temp folder) says where. Ctrl-C, SIGTERM or `lab down` tear everything down.
 */
import http from 'node:http';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Action, Backend } from '../scenario/types.js';
import { injectAction } from '../scenario/registry/actions.js';
import { style, type Output } from './output.js';
import { SpeakersimError } from '../core/errors.js';
import {
  injectHints,
  statusChanges,
  statusTable,
  statusWidths,
  type StatusSession,
} from '../ui/status.js';

const STATE_DIR = path.join(tmpdir(), 'speakersim', 'labs');

interface LabState {
  name: string;
  pid: number;
  control: string;
  kubeconfig: string;
  backend: Backend;
  scenario: string;
  /** The live view's URL when `lab up --ui` serves one. */
  ui?: string;
}

function statePath(name: string): string {
  return path.join(STATE_DIR, `${name}.json`);
}

function readState(name?: string): LabState | undefined {
  if (!existsSync(STATE_DIR)) return undefined;
  const names = name ? [`${name}.json`] : readdirSync(STATE_DIR).filter((f) => f.endsWith('.json'));
  for (const f of names) {
    try {
      return JSON.parse(readFileSync(path.join(STATE_DIR, f), 'utf8')) as LabState;
    } catch {
      // A stale or unreadable file: try the next.
    }
  }
  return undefined;
}

async function call(state: LabState, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${state.control}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as { error?: string };
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json;
}

export async function labUpCommand(
  file: string,
  o: {
    backend?: Backend;
    frrK8sNamespace?: string;
    allowOutsideFiles?: boolean;
    sessionStatePollMs?: number;
    ui?: number;
    /** --kubeconfig: an existing cluster that gets the status CRs too, as `run` writes them. */
    kubeconfig?: string;
  },
  out: Output,
): Promise<number> {
  // Imported here so that `inject` and `lab status` start without the runner (start-up time).
  const { loadScenario } = await import('../scenario/load.js');
  const { ScenarioSession } = await import('../scenario/runner/session.js');
  const { StepRunner } = await import('../scenario/runner/run.js');
  const { serveMetrics } = await import('../metallb/runtime/metrics-server.js');
  const { LiveViewServer } = await import('../ui/server.js');
  const { sessionSource } = await import('../ui/source.js');
  const { bfdSessionStatus } = await import('../metallb/bfd-profile.js');
  const scenario = await loadScenario(file, { allowOutsideFiles: o.allowOutsideFiles === true });
  // Live view (--ui) first: a port in use fails before any lab exists. Its fault buttons run
  // the same actions as `speakersim inject`.
  const ui = o.ui === undefined ? undefined : await LiveViewServer.start({ port: o.ui });
  // --- --kubeconfig (issue 14): the session's StatusMirror, as `run --kubeconfig` uses it. ---
  let session: Awaited<ReturnType<typeof ScenarioSession.start>>;
  try {
    session = await ScenarioSession.start(scenario, {
      ...(o.backend ? { backend: o.backend } : {}),
      clock: 'real',
      ...(o.frrK8sNamespace ? { frrK8sNamespace: o.frrK8sNamespace } : {}),
      ...(o.sessionStatePollMs !== undefined ? { sessionStatePollMs: o.sessionStatePollMs } : {}),
      ...(o.kubeconfig ? { clusterKubeconfig: o.kubeconfig } : {}),
    });
  } catch (e) {
    await ui?.close();
    // A cluster without the CRDs (or not answering) names its code, as `run` reports it.
    if (e instanceof SpeakersimError) {
      out.error(`${e.code}: ${e.message}`);
      return 1;
    }
    throw e;
  }
  // --- end --kubeconfig ---
  const runner = new StepRunner(session);
  const metrics = await serveMetrics(session.runtime);
  await ui?.attach(sessionSource(session, (r) => runner.act(injectAction(r.fault, r))));
  const name = scenario.topology.lab;
  let closing = false;
  const server = http.createServer((req, res) => {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      void (async () => {
        try {
          if (req.url === '/status') {
            const nodes = scenario.topology.nodes.map((n) => ({
              node: n.name,
              sessions: (session.runtime.speaker(n.name)?.sessions() ?? []).map((s) => ({
                peer: s.peer,
                address: s.address,
                bgp: s.bgp?.session.state ?? 'Idle',
                bfd: bfdSessionStatus(s.bfd !== undefined, s.bfd?.state),
              })),
            }));
            reply(200, {
              name,
              backend: session.backend,
              kubeconfig: session.kubeconfigPath,
              nodes,
            });
          } else if (req.url === '/inject' && req.method === 'POST') {
            const output = await runner.act(JSON.parse(text) as Action);
            reply(200, { ok: true, ...(typeof output === 'string' ? { output } : {}) });
          } else if (req.url === '/down' && req.method === 'POST') {
            reply(200, { ok: true });
            void shutdown();
          } else reply(404, { error: `no route ${req.url}` });
        } catch (e) {
          reply(400, { error: e instanceof Error ? e.message : String(e) });
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const control = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(
    statePath(name),
    JSON.stringify({
      name,
      pid: process.pid,
      control,
      kubeconfig: session.kubeconfigPath,
      backend: session.backend,
      scenario: file,
      ...(ui ? { ui: ui.url } : {}),
    } satisfies LabState),
  );
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    out.line('tearing the lab down...');
    server.close();
    await ui?.close();
    await metrics.close();
    await session.close();
    rmSync(statePath(name), { force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  out.line(style.bold(`lab ${name} is up`) + ` (backend: ${session.backend})`);
  out.line(`  export KUBECONFIG=${session.kubeconfigPath}`);
  out.line(`  metrics: ${metrics.url}/metrics/<node> and ${metrics.url}/metrics/controller`);
  out.line(`  kubectl get bgpsessionstates.frrk8s.metallb.io -A -o wide`);
  if (ui) out.line(`  live view: ${ui.url}`);
  if (o.kubeconfig) out.line(`  status CRs also go to the cluster in ${o.kubeconfig}`);
  for (const line of session.peers.describe()) out.line(`  ${line}`);
  for (const hint of injectHints(scenario, name)) out.line(`  ${hint}`);
  out.line(`  speakersim lab status ${name} --watch`);
  out.line(`  speakersim lab down ${name}   (or Ctrl-C here)`);
  await new Promise(() => undefined);
  return 0;
}

export async function labDownCommand(
  name: string | undefined,
  o: { force?: boolean },
  out: Output,
): Promise<number> {
  const state = readState(name);
  if (state) {
    try {
      await call(state, '/down', {});
      out.line(`lab ${state.name}: shutting down`);
    } catch {
      out.line(`lab ${state.name}: control port not answering (process gone?)`);
    }
    rmSync(statePath(state.name), { force: true });
  }
  if (o.force) {
    const { labDown: netnsLabDown } = await import('../lab/lifecycle.js');
    const report = await netnsLabDown(
      (name ?? state?.name ?? 'lab').replace(/[^a-z0-9]/g, '').slice(0, 5),
      { force: true },
    );
    out.line(`removed leftovers: ${JSON.stringify(report)}`);
  } else if (!state) {
    out.error(
      `no running lab${name ? ` named ${name}` : ''}; use --force to sweep netns leftovers`,
    );
    return 1;
  }
  return 0;
}

export async function labStatusCommand(
  name: string | undefined,
  out: Output,
  o: { watch?: boolean; intervalMs?: number } = {},
): Promise<number> {
  const state = readState(name);
  if (!state) {
    out.line(`no running lab${name ? ` named ${name}` : ''}`);
    return 1;
  }
  const read = async () =>
    (await call(state, '/status')) as {
      name: string;
      backend: string;
      kubeconfig: string;
      nodes: { node: string; sessions: Omit<StatusSession, 'node'>[] }[];
    };
  const rows = (s: Awaited<ReturnType<typeof read>>): StatusSession[] =>
    s.nodes.flatMap((n) => n.sessions.map((x) => ({ node: n.node, ...x })));
  const first = await read();
  out.line(`lab ${first.name} (backend ${first.backend}), KUBECONFIG=${first.kubeconfig}`);
  if (state.ui) out.line(`live view: ${state.ui}`);
  let last = rows(first);
  const widths = statusWidths(last);
  for (const l of statusTable(last, widths)) out.line(l);
  if (!o.watch) return 0;
  // --watch: like `kubectl get -w`, one more line per session whose BGP or BFD state changes.
  for (;;) {
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 250));
    let next: StatusSession[];
    try {
      next = rows(await read());
    } catch {
      out.line(`lab ${state.name} stopped answering (shut down?)`);
      return 1;
    }
    for (const l of statusChanges(last, next, widths)) out.line(l);
    last = next;
  }
}

export async function injectCommand(
  fault: string,
  o: { lab?: string; router?: string; node?: string; daemon?: string; command?: string[] },
  out: Output,
): Promise<number> {
  const state = readState(o.lab);
  if (!state) {
    out.error(
      `no running lab${o.lab ? ` named ${o.lab}` : ''}: start one with \`speakersim lab up <scenario>\``,
    );
    return 1;
  }
  const answer = (await call(state, '/inject', injectAction(fault, o))) as { output?: string };
  // vtysh: the router's answer, as vtysh prints it (FRR's, or a builtin router's in its layout).
  if (answer.output !== undefined) {
    if (answer.output !== '') out.line(answer.output.replace(/\n$/, ''));
    return 0;
  }
  out.line(`${fault}: done (lab ${state.name})`);
  return 0;
}
