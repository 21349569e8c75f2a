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

const STATE_DIR = path.join(tmpdir(), 'speakersim', 'labs');

interface LabState {
  name: string;
  pid: number;
  control: string;
  kubeconfig: string;
  backend: Backend;
  scenario: string;
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
  o: { backend?: Backend; frrK8sNamespace?: string; sessionStatePollMs?: number },
  out: Output,
): Promise<number> {
  // Imported here so that `inject` and `lab status` start without the runner (start-up time).
  const { loadScenario } = await import('../scenario/load.js');
  const { ScenarioSession } = await import('../scenario/runner/session.js');
  const { StepRunner } = await import('../scenario/runner/run.js');
  const { serveMetrics } = await import('../metallb/runtime/metrics-server.js');
  const scenario = await loadScenario(file);
  const session = await ScenarioSession.start(scenario, {
    ...(o.backend ? { backend: o.backend } : {}),
    clock: 'real',
    ...(o.frrK8sNamespace ? { frrK8sNamespace: o.frrK8sNamespace } : {}),
    ...(o.sessionStatePollMs !== undefined ? { sessionStatePollMs: o.sessionStatePollMs } : {}),
  });
  const runner = new StepRunner(session);
  const metrics = await serveMetrics(session.runtime);
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
              })),
            }));
            reply(200, {
              name,
              backend: session.backend,
              kubeconfig: session.kubeconfigPath,
              nodes,
            });
          } else if (req.url === '/inject' && req.method === 'POST') {
            await runner.act(JSON.parse(text) as Action);
            reply(200, { ok: true });
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
    } satisfies LabState),
  );
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    out.line('tearing the lab down...');
    server.close();
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
  for (const line of session.peers.describe()) out.line(`  ${line}`);
  out.line(
    `  speakersim inject drop-bfd --lab ${name} --router ${scenario.topology.routers[0]?.name ?? 'r1'}`,
  );
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

export async function labStatusCommand(name: string | undefined, out: Output): Promise<number> {
  const state = readState(name);
  if (!state) {
    out.line(`no running lab${name ? ` named ${name}` : ''}`);
    return 1;
  }
  const s = (await call(state, '/status')) as {
    name: string;
    backend: string;
    kubeconfig: string;
    nodes: { node: string; sessions: { peer: string; address: string; bgp: string }[] }[];
  };
  out.line(`lab ${s.name} (backend ${s.backend}), KUBECONFIG=${s.kubeconfig}`);
  for (const n of s.nodes)
    for (const x of n.sessions) out.line(`  ${n.node} -> ${x.peer} (${x.address}): ${x.bgp}`);
  return 0;
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
  await call(state, '/inject', injectAction(fault, o));
  out.line(`${fault}: done (lab ${state.name})`);
  return 0;
}
