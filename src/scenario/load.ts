/**
 * Loads scenario files: YAML with source positions (yaml's parseDocument + LineCounter), JSON
 * Schema validation (ajv, schema/scenario.schema.json), then semantic checks and normalization.
 * Every problem becomes a ScenarioError `file:line:col: <what was expected>`; a file with no
 * problems becomes a normalized Scenario (durations in ms, paths absolute, defaults filled).
 *
 * Flow: text -> parseDocument (syntax errors) -> toJS -> ajv (shape errors, mapped back to
 * YAML nodes) -> topology / resources / steps (files, references, clocks) -> Scenario.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, visit } from 'yaml';
import { parseDuration } from './duration.js';
import { ScenarioError, ScenarioErrorCode, ScenarioLoadError, sortErrors } from './errors.js';
import { loadResourceSource, type LoadContext } from './resources.js';
import { scenarioSchema, schemaErrors, stepActionKeys } from './schema.js';
import { SourceMap } from './source-map.js';
import { normalizeSteps } from './steps.js';
import { checkAddressesForBackend, normalizeTopology, type RawTopology } from './topology.js';
import type { Backend, ClockMode, Scenario } from './types.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_NAMESPACE = 'metallb-system';

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioError[] };

/**
 * Parses and validates scenario text. `file` names it in errors and anchors relative paths
 * (resource files are read from its directory). Never throws for bad input.
 */
export function parseScenario(text: string, file: string): ParseResult {
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

  // An alias whose anchor comes later (or never) throws from toJS: report it where it stands.
  let unresolved: { offset: number; source: string } | undefined;
  visit(doc, {
    Alias(_k, node) {
      if (unresolved || node.resolve(doc)) return;
      unresolved = { offset: node.range?.[0] ?? 0, source: node.source };
    },
  });
  if (unresolved) {
    const pos = map.at(unresolved.offset);
    return {
      ok: false,
      errors: [
        new ScenarioError(
          ScenarioErrorCode.YamlSyntax,
          file,
          pos.line,
          pos.col,
          `YAML syntax: alias *${unresolved.source} names no anchor defined before it`,
        ),
      ],
    };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
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
  const ctx: LoadContext = { map, baseDir: dirname(path), errors };
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
      topology,
      resources,
      steps,
    },
  };
}

/** Reads and parses a scenario file; a file that cannot be read is one error at 1:1. */
export async function parseScenarioFile(file: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'file unreadable';
    return {
      ok: false,
      errors: [new ScenarioError(ScenarioErrorCode.ReadFailed, file, 1, 1, why)],
    };
  }
  return parseScenario(text, file);
}

/** Loads a scenario file or throws ScenarioLoadError carrying every problem found. */
export async function loadScenario(file: string): Promise<Scenario> {
  const result = await parseScenarioFile(file);
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
export async function validateScenarioFiles(paths: string[]): Promise<FileValidation[]> {
  const out: FileValidation[] = [];
  for (const file of paths) {
    const result = await parseScenarioFile(file);
    out.push({ file, errors: result.ok ? [] : result.errors });
  }
  return out;
}
