/**
 * The shape of one step action and of one check (the things `wait`, `expect` and
 * `consistently` take). Each is one module under src/scenario/actions or src/scenario/checks
 * holding everything about it: its YAML key(s) and JSON Schema fragment, how it is parsed
 * into a typed value, described in reports, carried out or checked, and (for faults) its
 * `speakersim inject` name. Adding one is writing that module and listing it in
 * registry/actions.ts or registry/checks.ts; `npm run schema` regenerates the schema file.
 */
import type { StepContext } from '../references.js';
import type { ScenarioSession } from '../runner/session.js';
import type { YamlPath } from '../source-map.js';

export type SchemaNode = Record<string, unknown>;

/** What the runner gives an action or a check: the session and a few lookups. */
export interface RunContext {
  s: ScenarioSession;
  /** The apiVersion the API server serves a kind under (for `kind/name` references). */
  apiVersionOf(kind: string): Promise<string>;
  /** When the current step started, on the run's clock (ms). */
  stepStart: number;
}

/** `speakersim inject` options, shared by every fault. */
export interface InjectOptions {
  router?: string;
  node?: string;
  daemon?: string;
  command?: string[];
}

/** How a checking step ended. */
export interface StepVerdict {
  result: 'pass' | 'fail' | 'error';
  expected?: string;
  actual?: string;
  message?: string;
}

/** What a plain action may hand back: a router's answer (vtysh), shown by `inject`. */
export interface ActionOutput {
  output: string;
}

export interface ActionDef<A extends { kind: string }> {
  /** The Action `kind`s this module produces. */
  kinds: readonly A['kind'][];
  /** YAML step keys, each with its schema fragment (a property of definitions.step). */
  keys: Record<string, SchemaNode>;
  /** Schema definitions the fragments refer to (`#/definitions/<name>`). */
  definitions?: Record<string, SchemaNode>;
  /**
   * The name of one of `definitions` that takes exactly one check (wait/expect, consistently):
   * the schema builder adds every registered check to it.
   */
  checkDefinition?: string;
  parse(ctx: StepContext, key: string, value: unknown, path: YamlPath): A;
  /** One line for generated step names and reports. */
  describe(a: A): string;
  /** The longest it may take on the run's clock (timeout, window, pause), for progress views. */
  maxDurationMs?(a: A): number;
  /** Carries it out; steps that check return their verdict, vtysh its answer, others nothing. */
  act(c: RunContext, a: A): Promise<StepVerdict | ActionOutput | void>;
  /** `speakersim inject <name>`: the names this module answers to and the action each makes. */
  inject?: Record<string, (o: InjectOptions) => A>;
}

/** The outcome of one evaluation: whether it holds, and both sides in words. */
export interface Check {
  ok: boolean;
  expected: string;
  actual: string;
}

export interface CheckDef<E extends { kind: string }> {
  kind: E['kind'];
  /** The key under wait/expect/consistently, e.g. `route`. */
  key: string;
  /** Name of its schema definition and the definition itself. */
  definition: [string, SchemaNode];
  parse(ctx: StepContext, raw: Record<string, unknown>, path: YamlPath): E;
  describe(e: E): string;
  /** Evaluates it now. */
  check(c: RunContext, e: E): Promise<Check>;
  /**
   * For `consistently`: whether the run's recorded history since `from` (run clock, ms) shows
   * it broken at any instant, even between two polls (a flap). Checks without history are
   * polled only.
   */
  history?(c: RunContext, e: E, from: number): Check;
}
