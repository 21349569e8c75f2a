/**
 * `speakersim lab up|down|status` and `speakersim inject`: a lab that stays up for a class.
 * `lab up` runs the scenario's topology and resources (not its steps) in real time, serves the
 * API server, and listens on a loopback control port for `inject`, `status` and `down`. The
 * lab's record and its control token (0600) live in the lab registry's private run directory
 * (src/lab/registry.ts); every control request carries the token, which clients read from that
 * file or SPEAKERSIM_LAB_TOKEN, never from argv. Ctrl-C, SIGTERM or `lab down` tear it down.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { ScenarioSession } from '../scenario/runner/session.js';
import type { Action, Backend, Scenario } from '../scenario/types.js';
import { injectAction } from '../scenario/registry/actions.js';
import { LAB_RUN_ROOT, labNameFor } from '../lab/names.js';
import { readState } from '../lab/state.js';
import { LAB_NAME_PATTERN } from '../lab/topology.js';
import { blocksInUse, LabRegistry, tokenMatches, type LabRecord } from '../lab/registry.js';
import { isAlive } from '../lab/proc.js';
import { LabTopologyError } from '../lab/errors.js';
import { style, type Output } from './output.js';
import {
  injectHints,
  statusChanges,
  statusTable,
  statusWidths,
  type StatusSession,
} from '../ui/status.js';

/** Control requests above this size are refused (an inject body is a few hundred bytes). */
const MAX_CONTROL_BODY = 64 * 1024;

async function call(
  registry: LabRegistry,
  lab: LabRecord,
  route: string,
  body?: unknown,
): Promise<unknown> {
  if (!lab.control) throw new Error(`lab ${lab.name} is still starting`);
  const res = await fetch(`${lab.control}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${registry.token(lab.name)}`,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as { error?: string };
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json;
}

function failed(out: Output, e: unknown): number {
  const code = (e as { code?: string }).code;
  out.error(`${code ? `${code}: ` : ''}${e instanceof Error ? e.message : String(e)}`);
  return 1;
}

/**
 * `lab up --detach`: runs the same command as a child in its own session with output in a log
 * file, waits until the child's lab is up (its record has a control port) or the child exits,
 * and prints what the child printed.
 */
async function detach(argv: string[], name: string, registry: LabRegistry, out: Output) {
  registry.ensureDir();
  const log = registry.logPath(name);
  const fd = openSync(log, 'w', 0o600);
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...argv.filter((a) => a !== '--detach' && a !== '-d')],
    { detached: true, stdio: ['ignore', fd, fd], env: process.env },
  );
  closeSync(fd);
  child.unref();
  const pid = child.pid ?? -1;
  for (;;) {
    const r = registry.read(name);
    if (r?.pid === pid && r.control) {
      out.line(readFileSync(log, 'utf8').trimEnd());
      out.line(`  (detached: process ${pid}, log ${log})`);
      return 0;
    }
    if (!isAlive(pid) || child.exitCode !== null) {
      out.error(readFileSync(log, 'utf8').trimEnd());
      return 1;
    }
    await delay(100);
  }
}

export async function labUpCommand(
  file: string,
  o: {
    backend?: Backend;
    frrK8sNamespace?: string;
    allowOutsideFiles?: boolean;
    sessionStatePollMs?: number;
    ui?: number;
    detach?: boolean;
    argv?: string[];
    /** --kubeconfig: an existing cluster that gets the status CRs too, as `run` writes them. */
    kubeconfig?: string;
    /** --name: the lab's name instead of the scenario's `topology.lab`. */
    name?: string;
    /** --relocate (true), --no-relocate (false); absent: move the addresses only on overlap. */
    relocate?: boolean;
  },
  out: Output,
): Promise<number> {
  // Imported here so that `inject` and `lab status` start without the runner (start-up time).
  const { checkRunSettings, loadScenario } = await import('../scenario/load.js');
  const { ScenarioSession } = await import('../scenario/runner/session.js');
  const { StepRunner } = await import('../scenario/runner/run.js');
  const { serveMetrics } = await import('../metallb/runtime/metrics-server.js');
  const { LiveViewServer } = await import('../ui/server.js');
  const { sessionSource } = await import('../ui/source.js');
  const { bfdSessionStatus } = await import('../metallb/bfd-profile.js');
  const registry = new LabRegistry();
  let scenario: Scenario;
  try {
    scenario = await loadScenario(file, { allowOutsideFiles: o.allowOutsideFiles === true });
  } catch (e) {
    return failed(out, e);
  }
  if (o.name !== undefined && !LAB_NAME_PATTERN.test(o.name)) {
    return failed(
      out,
      new LabTopologyError(
        '--name',
        `expected 1-32 of [a-z0-9-] like a DNS label, got '${o.name}'`,
      ),
    );
  }
  const name = o.name ?? labNameFor(scenario.topology.lab);
  scenario = { ...scenario, topology: { ...scenario.topology, lab: name } };
  const backend = o.backend ?? scenario.backend;
  // The same rules as `run`: allowed address ranges for real backends, clock for the backend.
  const checked = checkRunSettings(scenario, { backend, clock: 'real' });
  if (checked.errors.length) {
    for (const e of checked.errors) failed(out, e);
    return 1;
  }
  const running = registry.read(name);
  if (running && isAlive(running.pid)) {
    out.error(
      `ERR_LAB_ALREADY_UP: lab ${name} is already up (process ${running.pid}); run \`speakersim lab down ${name}\` first`,
    );
    return 1;
  }
  if (o.detach) return detach(o.argv ?? process.argv.slice(1), name, registry, out);

  const { addressBlocks, chooseAddresses, describeRelocation, relocateValue } =
    await import('../lab/relocate.js');
  let record: LabRecord = { name, pid: process.pid, backend, scenario: file };
  let token: string;
  try {
    // Under the registry's lock: the blocks other labs hold cannot change while we choose.
    token = await registry.locked(() => {
      const held = backend !== 'builtin';
      const mode = o.relocate === true ? 'always' : o.relocate === false ? 'never' : 'auto';
      // Builtin peers hold no host address: their labs only move when asked to.
      const used = held ? blocksInUse(registry, name) : [];
      const chosen =
        held || mode === 'always'
          ? chooseAddresses(addressBlocks(scenario), used, mode)
          : { plan: [], blocks: [] };
      scenario = relocateValue(scenario, chosen.plan);
      record = {
        ...record,
        blocks: held ? chosen.blocks : [],
        ...(chosen.plan.length ? { relocation: chosen.plan } : {}),
      };
      return registry.claim(record);
    });
  } catch (e) {
    return failed(out, e);
  }
  // Live view (--ui) first: a port in use fails before any lab exists. Its fault buttons run
  // the same actions as `speakersim inject`.
  let ui: Awaited<ReturnType<typeof LiveViewServer.start>> | undefined;
  let session: ScenarioSession;
  try {
    ui = o.ui === undefined ? undefined : await LiveViewServer.start({ port: o.ui });
    session = await ScenarioSession.start(scenario, {
      backend,
      clock: 'real',
      ...(o.frrK8sNamespace ? { frrK8sNamespace: o.frrK8sNamespace } : {}),
      ...(o.sessionStatePollMs !== undefined ? { sessionStatePollMs: o.sessionStatePollMs } : {}),
      // --kubeconfig (issue 14): the session's StatusMirror, as `run --kubeconfig` uses it.
      ...(o.kubeconfig ? { clusterKubeconfig: o.kubeconfig } : {}),
    });
  } catch (e) {
    // Only this lab's record goes: a refused start never touches another lab.
    await ui?.close();
    registry.remove(name);
    return failed(out, e);
  }
  const runner = new StepRunner(session);
  const metrics = await serveMetrics(session.runtime);
  await ui?.attach(sessionSource(session, (r) => runner.act(injectAction(r.fault, r))));
  let closing = false;
  const server = http.createServer((req, res) => {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    // Any local user can reach 127.0.0.1: only holders of the lab's token get in.
    if (!tokenMatches(req.headers.authorization, token)) {
      reply(401, { error: 'missing or wrong control token' });
      req.resume();
      return;
    }
    let text = '';
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CONTROL_BODY) {
        reply(413, { error: 'request too large' });
        req.destroy();
        return;
      }
      text += c.toString();
    });
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
  registry.update({
    ...record,
    control,
    kubeconfig: session.kubeconfigPath,
    ...(ui ? { ui: ui.url } : {}),
  });
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    out.line('tearing the lab down...');
    server.close();
    await ui?.close();
    await metrics.close();
    await session.close();
    registry.remove(name);
    // A clean end leaves nothing in the run directory (a failed start keeps --detach's log).
    rmSync(registry.logPath(name), { force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  out.line(style.bold(`lab ${name} is up`) + ` (backend: ${session.backend})`);
  if (record.relocation) out.line(`  addresses: ${describeRelocation(record.relocation)}`);
  out.line(`  export KUBECONFIG=${session.kubeconfigPath}`);
  out.line(`  metrics: ${metrics.url}/metrics/<node> and ${metrics.url}/metrics/controller`);
  out.line(`  kubectl get bgpsessionstates.frrk8s.metallb.io -A -o wide`);
  if (ui) out.line(`  live view: ${ui.url}`);
  if (o.kubeconfig) out.line(`  status CRs also go to the cluster in ${o.kubeconfig}`);
  for (const line of session.peers.describe()) out.line(`  ${line}`);
  for (const hint of injectHints(scenario, name)) out.line(`  ${hint}`);
  out.line(`  speakersim lab status ${name} --watch`);
  out.line(`  control token: ${registry.tokenPath(name)} (or SPEAKERSIM_LAB_TOKEN)`);
  out.line(`  speakersim lab down ${name}   (or Ctrl-C here)`);
  await new Promise(() => undefined);
  return 0;
}

export async function labDownCommand(
  name: string | undefined,
  o: { force?: boolean },
  out: Output,
): Promise<number> {
  const registry = new LabRegistry();
  let lab: LabRecord | undefined;
  try {
    lab = registry.resolve(name);
  } catch (e) {
    // Nothing running (of that name): --force still sweeps what crashed labs left.
    if (!(o.force && (e as { code?: string }).code === 'ERR_LAB_NOT_FOUND')) return failed(out, e);
  }
  if (lab) {
    try {
      await call(registry, lab, '/down', {});
      out.line(`lab ${lab.name}: shutting down`);
      for (let i = 0; i < 600 && isAlive(lab.pid); i++) await delay(100);
    } catch {
      out.line(`lab ${lab.name}: control port not answering (process gone?)`);
    }
  }
  if (o.force) {
    if (lab) registry.remove(lab.name);
    // A named lab, else every lab whose owner is gone (a live owner's lab is never swept).
    const targets = lab ? [lab.name] : name !== undefined ? [labNameFor(name)] : orphanedLabs();
    for (const target of targets) {
      const { labDown: sweepLab } = await import('../lab/lifecycle.js');
      const report = await sweepLab(target, { force: true });
      out.line(`lab ${target}: removed leftovers: ${JSON.stringify(report)}`);
    }
    if (targets.length === 0) out.line('no leftovers of crashed labs');
  }
  return 0;
}

/** Labs with a state directory whose owning process is gone. */
function orphanedLabs(): string[] {
  let entries: string[];
  try {
    entries = readdirSync(LAB_RUN_ROOT);
  } catch {
    return [];
  }
  return entries.filter((lab) => {
    if (!LAB_NAME_PATTERN.test(lab)) return false;
    try {
      const state = readState(lab, LAB_RUN_ROOT);
      return state !== undefined && !isAlive(state.ownerPid);
    } catch {
      return true; // An unreadable state file belongs to nobody.
    }
  });
}

export async function labStatusCommand(
  name: string | undefined,
  out: Output,
  o: { watch?: boolean; intervalMs?: number } = {},
): Promise<number> {
  const registry = new LabRegistry();
  let lab: LabRecord;
  try {
    lab = registry.resolve(name);
  } catch (e) {
    return failed(out, e);
  }
  const read = async () =>
    (await call(registry, lab, '/status')) as {
      name: string;
      backend: string;
      kubeconfig: string;
      nodes: { node: string; sessions: Omit<StatusSession, 'node'>[] }[];
    };
  const rows = (s: Awaited<ReturnType<typeof read>>): StatusSession[] =>
    s.nodes.flatMap((n) => n.sessions.map((x) => ({ node: n.node, ...x })));
  const first = await read();
  out.line(`lab ${first.name} (backend ${first.backend}), KUBECONFIG=${first.kubeconfig}`);
  if (lab.relocation?.length) {
    const { describeRelocation } = await import('../lab/relocate.js');
    out.line(`addresses: ${describeRelocation(lab.relocation)}`);
  }
  if (lab.ui) out.line(`live view: ${lab.ui}`);
  let last = rows(first);
  const widths = statusWidths(last);
  for (const l of statusTable(last, widths)) out.line(l);
  if (!o.watch) return 0;
  // --watch: like `kubectl get -w`, one more line per session whose BGP or BFD state changes.
  for (;;) {
    await delay(o.intervalMs ?? 250);
    let next: StatusSession[];
    try {
      next = rows(await read());
    } catch {
      out.line(`lab ${lab.name} stopped answering (shut down?)`);
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
  const registry = new LabRegistry();
  let lab: LabRecord;
  try {
    lab = registry.resolve(o.lab);
  } catch (e) {
    return failed(out, e);
  }
  const answer = (await call(registry, lab, '/inject', injectAction(fault, o))) as {
    output?: string;
  };
  // vtysh: the router's answer, as vtysh prints it (FRR's, or a builtin router's in its layout).
  if (answer.output !== undefined) {
    if (answer.output !== '') out.line(answer.output.replace(/\n$/, ''));
    return 0;
  }
  out.line(`${fault}: done (lab ${lab.name})`);
  return 0;
}
