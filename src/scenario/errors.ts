/**
 * Scenario errors. Each problem in a scenario file is one ScenarioError with a stable `code`
 * and a 1-based position, printed as `file:line:col: <what was expected>` like a compiler.
 */
import { SpeakersimError } from '../core/errors.js';

export const ScenarioErrorCode = {
  /** The file could not be read. */
  ReadFailed: 'ERR_SCENARIO_READ_FAILED',
  /** YAML syntax error (reported by the `yaml` parser). */
  YamlSyntax: 'ERR_SCENARIO_YAML_SYNTAX',
  /** A step's key is not a known action. */
  UnknownStep: 'ERR_SCENARIO_UNKNOWN_STEP',
  /** An expectation's key is not a known kind of check. */
  UnknownExpectation: 'ERR_SCENARIO_UNKNOWN_EXPECTATION',
  /** A mapping has a key the schema does not define. */
  UnknownProperty: 'ERR_SCENARIO_UNKNOWN_PROPERTY',
  /** A step (or expectation) has no action key, or more than one. */
  MissingAction: 'ERR_SCENARIO_MISSING_ACTION',
  MultipleActions: 'ERR_SCENARIO_MULTIPLE_ACTIONS',
  /** A value has the wrong YAML type (a mapping where a string belongs, ...). */
  WrongType: 'ERR_SCENARIO_WRONG_TYPE',
  /** A required field is missing. */
  MissingField: 'ERR_SCENARIO_MISSING_FIELD',
  /** A string that should be a duration (`500ms`, `3s`, `2m`) is not one. */
  BadDuration: 'ERR_SCENARIO_BAD_DURATION',
  /** A value is out of range, not in the allowed set, or badly formed. */
  BadValue: 'ERR_SCENARIO_BAD_VALUE',
  /** A file named in the scenario does not exist or cannot be read. */
  FileNotFound: 'ERR_SCENARIO_FILE_NOT_FOUND',
  /**
   * A named file is not a regular file, is too large, or lies outside the scenario's folder
   * (without --allow-outside-files).
   */
  FileRefused: 'ERR_SCENARIO_FILE_REFUSED',
  /** A manifest (inline or from a file) lacks apiVersion, kind or metadata.name, or does not parse. */
  BadManifest: 'ERR_SCENARIO_BAD_MANIFEST',
  /** A step names a router or node that the topology does not define. */
  UnknownReference: 'ERR_SCENARIO_UNKNOWN_REFERENCE',
  /** Two routers or nodes share a name or an address. */
  Duplicate: 'ERR_SCENARIO_DUPLICATE',
  /** An address lies outside the ranges the lab may use. */
  AddressNotAllowed: 'ERR_SCENARIO_ADDRESS_NOT_ALLOWED',
  /** The scenario needs what the chosen backend cannot do here (VRFs on netns/compose). */
  BackendUnsupported: 'ERR_SCENARIO_BACKEND_UNSUPPORTED',
  /** The clock does not fit the backend or the step (advance needs virtual time, ...). */
  ClockMismatch: 'ERR_SCENARIO_CLOCK_MISMATCH',
} as const;

export type ScenarioErrorCodeValue = (typeof ScenarioErrorCode)[keyof typeof ScenarioErrorCode];

export class ScenarioError extends SpeakersimError {
  declare readonly code: ScenarioErrorCodeValue;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** What was expected, without the position prefix. */
  readonly detail: string;
  /** The key, field or value the error is about (`peer` for a missing field), when known. */
  readonly subject?: string;
  /** A close known name for a misspelt key or value (`apply` for `aply`). */
  readonly suggestion?: string;

  constructor(
    code: ScenarioErrorCodeValue,
    file: string,
    line: number,
    col: number,
    detail: string,
    extra: { subject?: string; suggestion?: string } = {},
  ) {
    super(code, `${file}:${line}:${col}: ${detail}`);
    this.file = file;
    this.line = line;
    this.col = col;
    this.detail = detail;
    if (extra.subject !== undefined) this.subject = extra.subject;
    if (extra.suggestion !== undefined) this.suggestion = extra.suggestion;
  }
}

/** Thrown by `loadScenario` when a file has problems; carries all of them, in file order. */
export class ScenarioLoadError extends SpeakersimError {
  readonly errors: ScenarioError[];

  constructor(errors: ScenarioError[]) {
    super('ERR_SCENARIO_INVALID', errors.map((e) => e.message).join('\n') || 'invalid scenario');
    this.errors = errors;
  }
}

/** Orders errors by file, then position, and drops exact duplicates. */
export function sortErrors(errors: ScenarioError[]): ScenarioError[] {
  const seen = new Set<string>();
  return [...errors]
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col)
    .filter((e) => {
      const key = `${e.code} ${e.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
