/**
 * Loads scenario files: YAML with source positions (yaml's parseDocument + LineCounter), JSON
 * Schema validation (ajv, schema/scenario.schema.json), then semantic checks and normalization.
 * Every problem becomes a ScenarioError `file:line:col: <what was expected>`; a file with no
 * problems becomes a normalized Scenario (durations in ms, paths absolute, defaults filled).
 *
 * Flow: text -> parseDocument (syntax errors) -> toJS -> ajv (shape errors, mapped back to
 * YAML nodes) -> topology / resources / steps (files, references, clocks) -> Scenario.
 */
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { parseDuration } from './duration.js';
import { ScenarioError, ScenarioErrorCode, ScenarioLoadError, sortErrors } from './errors.js';
import { readRegularFile, yamlValue } from './read-file.js';
import { loadResourceSource, type LoadContext } from './resources.js';
import { scenarioSchema, schemaErrors, stepActionKeys } from './schema.js';
import { SourceMap } from './source-map.js';
import { normalizeSteps } from './steps.js';
import { checkAddressesForBackend, normalizeTopology, type RawTopology } from './topology.js';
import type { Backend, ClockMode, Scenario } from './types.js';
import { vrfUnsupported } from '../lab/peer-backend.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_NAMESPACE = 'metallb-system';

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioError[] };

export interface LoadOptions {
  /** Let the scenario name files outside its own folder (`--allow-outside-files`). */
  allowOutsideFiles?: boolean;
}

/**
 * Parses and validates scenario text. `file` names it in errors and anchors relative paths
 * (resource files are read from its directory). Never throws for bad input.
 */
export function parseScenario(text: string, file: string, options: LoadOptions = {}): ParseResult {
  const path = resolve(file);
  const lines = new LineCounter();
  // merge: YAML merge keys (`<<: *peer`) let authors share blocks between steps.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  const map = new SourceMap(file, doc, lines);
  const errors: ScenarioError[] = [];

  for (const e of [...doc.errors]) {
    const pos = map.at(e.pos[0]);
    const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    errors.push(
      new ScenarioError(
        ScenarioErrorCode.YamlSyntax,
        file,
        pos.line,
        pos.col,
        `YAML syntax: ${first}`,
      ),
    );
  }
  if (errors.length) return { ok: false, errors: sortErrors(errors) };

  const read = yamlValue(doc);
  if (!read.ok) {
    const pos = map.at(read.offset);
    return {
      ok: false,
      errors: [
        new ScenarioError(
          ScenarioErrorCode.YamlSyntax,
          file,
          pos.line,
          pos.col,
          `YAML: ${read.why}`,
        ),
      ],
    };
  }
  const data = read.value;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const pos = map.valueAt([]);
    return {
      ok: false,
      errors: [
        new ScenarioError(
          ScenarioErrorCode.WrongType,
          file,
          pos.line,
          pos.col,
          'expected a scenario mapping with name, topology and steps',
        ),
      ],
    };
  }

  const { validate } = scenarioSchema();
  if (!validate(data)) {
    return { ok: false, errors: sortErrors(schemaErrors(validate.errors ?? [], data, map)) };
  }

  const raw = data as Record<string, unknown>;
  const ctx: LoadContext = {
    map,
    baseDir: dirname(path),
    errors,
    allowOutside: options.allowOutsideFiles === true,
  };
  const backend = (raw['backend'] as Backend) ?? 'builtin';
  const clock = (raw['clock'] as ClockMode) ?? (backend === 'builtin' ? 'virtual' : 'real');
  if (clock === 'virtual' && backend !== 'builtin') {
    const pos = map.valueAt(['clock']);
    errors.push(
      new ScenarioError(
        ScenarioErrorCode.ClockMismatch,
        file,
        pos.line,
        pos.col,
        `clock: virtual needs backend: builtin (real routers run on real time), got backend: ${backend}`,
      ),
    );
  }
  const rawDefaults = (raw['defaults'] as Record<string, unknown>) ?? {};
  const defaults = {
    timeoutMs:
      rawDefaults['timeout'] !== undefined
        ? (parseDuration(String(rawDefaults['timeout'])) ?? DEFAULT_TIMEOUT_MS)
        : DEFAULT_TIMEOUT_MS,
    namespace:
      typeof rawDefaults['namespace'] === 'string' ? rawDefaults['namespace'] : DEFAULT_NAMESPACE,
  };
  const name = String(raw['name']);
  const topology = normalizeTopology(ctx, raw['topology'] as RawTopology, name, backend);
  const resources = ((raw['resources'] as unknown[]) ?? []).map((r, i) =>
    loadResourceSource(ctx, r, ['resources', i]),
  );
  const steps = normalizeSteps(
    { ...ctx, topology, clock, defaults },
    raw['steps'] as Record<string, unknown>[],
    stepActionKeys(),
  );

  if (errors.length) return { ok: false, errors: sortErrors(errors) };
  return {
    ok: true,
    scenario: {
      file: path,
      name,
      description: typeof raw['description'] === 'string' ? raw['description'] : '',
      backend,
      clock,
      admission: raw['admission'] !== false,
      ...(raw['frrMetrics'] ? { frrMetrics: raw['frrMetrics'] as 'metallb' | 'frrk8s' } : {}),
      defaults,
      ...(raw['pollSessionState'] !== undefined
        ? { sessionStatePollMs: parseDuration(String(raw['pollSessionState'])) ?? 0 }
        : {}),
      topology,
      resources,
      steps,
    },
  };
}

/**
 * Reads and parses a scenario file (a regular file of bounded size: see read-file.ts); a file
 * that cannot be read is one error at 1:1.
 */
export async function parseScenarioFile(
  file: string,
  options: LoadOptions = {},
): Promise<ParseResult> {
  const read = readRegularFile(file);
  if (!read.ok) {
    return {
      ok: false,
      errors: [new ScenarioError(ScenarioErrorCode.ReadFailed, file, 1, 1, `file ${read.why}`)],
    };
  }
  return parseScenario(read.text, file, options);
}

/** Loads a scenario file or throws ScenarioLoadError carrying every problem found. */
export async function loadScenario(file: string, options: LoadOptions = {}): Promise<Scenario> {
  const result = await parseScenarioFile(file, options);
  if (!result.ok) throw new ScenarioLoadError(result.errors);
  return result.scenario;
}

/**
 * Checks a loaded scenario against the backend and clock a run will really use (the CLI may
 * override the file's): virtual time needs builtin peers, `sleep` real time, and netns/compose
 * need never-routed addresses. `advance` moves virtual time, or waits as long in real time, so
 * one scenario also runs on real routers.
 */
export function checkRunSettings(
  scenario: Scenario,
  settings: { backend: Backend; clock?: ClockMode },
): { backend: Backend; clock: ClockMode; errors: ScenarioError[] } {
  const backend = settings.backend;
  const clock = settings.clock ?? (backend === 'builtin' ? scenario.clock : 'real');
  const errors: ScenarioError[] = [...checkAddressesForBackend(scenario.topology, backend)];
  const at = (p: { file: string; line: number; col: number }, detail: string) =>
    errors.push(new ScenarioError(ScenarioErrorCode.ClockMismatch, p.file, p.line, p.col, detail));
  if (clock === 'virtual' && backend !== 'builtin') {
    at(
      { file: scenario.file, line: 1, col: 1 },
      `clock: virtual needs backend: builtin, got backend: ${backend}`,
    );
  }
  if (backend === 'compose') {
    // Routers and nodes in a VRF run on builtin and netns (this kernel has no VRF devices: the
    // netns lab makes each VRF a namespace). Reported, never run in the default VRF instead.
    const inVrf = [
      ...scenario.topology.routers.flatMap((r) =>
        r.vrf !== undefined ? [[r, r.vrf, true] as const] : [],
      ),
      ...scenario.topology.nodes.flatMap((n) =>
        Object.keys(n.vrfs).map((v) => [n, v, false] as const),
      ),
    ][0];
    if (inVrf) {
      const [owner, vrf, router] = inVrf;
      errors.push(
        new ScenarioError(
          ScenarioErrorCode.BackendUnsupported,
          owner.at.file,
          owner.at.line,
          owner.at.col,
          `'${owner.name}' has an interface in VRF ${vrf}: ${vrfUnsupported(backend, vrf, router).unavailable}`,
        ),
      );
    }
  }
  const unnumbered = scenario.topology.routers.find((r) => r.unnumbered);
  if (unnumbered && backend === 'compose') {
    // Said before the run, as the node's ConfigurationState would say it during one.
    errors.push(
      new ScenarioError(
        ScenarioErrorCode.BackendUnsupported,
        unnumbered.at.file,
        unnumbered.at.line,
        unnumbered.at.col,
        `'${unnumbered.name}' peers unnumbered: compose is not tried with it yet (builtin and netns only)`,
      ),
    );
  }
  for (const step of scenario.steps) {
    if (step.action.kind === 'sleep' && clock !== 'real') {
      at(step.at, 'sleep waits real time: expected clock: real');
    }
  }
  return { backend, clock, errors: sortErrors(errors) };
}

export interface FileValidation {
  file: string;
  errors: ScenarioError[];
}

/** For `speakersim validate`: every file's problems (empty list = valid), in the given order. */
export async function validateScenarioFiles(
  paths: string[],
  options: LoadOptions = {},
): Promise<FileValidation[]> {
  const out: FileValidation[] = [];
  for (const file of paths) {
    const result = await parseScenarioFile(file, options);
    out.push({ file, errors: result.ok ? [] : result.errors });
  }
  return out;
}
