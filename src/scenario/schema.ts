/**
 * The shipped JSON Schema (schema/scenario.schema.json) compiled with ajv, and the mapping of
 * ajv's errors to ScenarioErrors that say what was expected in the user's terms.
 *
 * The schema is shaped so that ajv's errors are already precise: alternatives are chosen with
 * if/then/else on the value's type or keys (no anyOf guessing), and "exactly one action key"
 * is a oneOf of `required` branches that this file replaces by one clear message. Schema
 * nodes may carry `x-expected`, a phrase used in "expected ..., got ..." messages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ScenarioError, ScenarioErrorCode, type ScenarioErrorCodeValue } from './errors.js';
import { closest } from './did-you-mean.js';
import { checkStepDefinitions } from './registry/schema.js';
import { pointerToPath, type SourceMap, type YamlPath } from './source-map.js';

type SchemaNode = Record<string, unknown>;

/** Finds schema/scenario.schema.json from src/scenario (tsx) or dist/src/scenario (built). */
export function scenarioSchemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'schema', 'scenario.schema.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('schema/scenario.schema.json not found next to the package');
}

let cached: { schema: SchemaNode; validate: ValidateFunction } | undefined;

/** The parsed schema and its compiled validator (compiled once per process). */
export function scenarioSchema(): { schema: SchemaNode; validate: ValidateFunction } {
  if (!cached) {
    const schema = JSON.parse(readFileSync(scenarioSchemaPath(), 'utf8')) as SchemaNode;
    // strictRequired/strictTypes off: the schema's `if` and oneOf branches name properties
    // defined next to them, and `type: [object, array, string]` bodies are intended.
    const ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strictRequired: false,
      strictTypes: false,
    });
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    cached = { schema, validate: ajv.compile(schema) };
  }
  return cached;
}

/** Step action keys, in schema order (for "expected one of ..." messages). */
export function stepActionKeys(): string[] {
  return selectorKeys(definition('step'));
}

function definition(name: string): SchemaNode {
  const defs = scenarioSchema().schema['definitions'] as Record<string, SchemaNode>;
  return defs[name]!;
}

/** The keys of a "exactly one of these keys" oneOf, or [] when the node has none. */
function selectorKeys(node: SchemaNode | undefined): string[] {
  const oneOf = node?.['oneOf'];
  if (!Array.isArray(oneOf)) return [];
  const keys: string[] = [];
  for (const branch of oneOf as SchemaNode[]) {
    const req = branch['required'];
    const only = Object.keys(branch).length === 1 && Array.isArray(req) && req.length === 1;
    if (!only) return [];
    keys.push(String(req[0]));
  }
  return keys;
}

/** How a value looks in a message: `true`, `5`, `'abc'`, `a mapping`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return `'${value.length > 40 ? value.slice(0, 40) + '...' : value}'`;
  return String(value);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'nothing',
};

function expectedPhrase(e: ErrorObject): string | undefined {
  const parent = e.parentSchema as SchemaNode | undefined;
  const x = parent?.['x-expected'];
  return typeof x === 'string' ? x : undefined;
}

function isDuration(e: ErrorObject): boolean {
  return e.parentSchema === definition('duration');
}

/** A node that takes one check (wait/expect, consistently) rather than a step action. */
function isCheckStep(node: SchemaNode | undefined): boolean {
  return checkStepDefinitions().some((d) => node !== undefined && node === definition(d));
}

function quoteList(keys: string[]): string {
  return keys.join(', ');
}

const hintFor = (s: string | undefined) => (s ? ` (did you mean '${s}'?)` : '');

/** Maps ajv's errors for one document to ScenarioErrors at the right positions. */
export function schemaErrors(
  errors: ErrorObject[],
  data: unknown,
  map: SourceMap,
): ScenarioError[] {
  const out: ScenarioError[] = [];
  const push = (
    code: ScenarioErrorCodeValue,
    path: YamlPath,
    detail: string,
    key?: string,
    extra: { subject?: string; suggestion?: string | undefined } = {},
  ) => {
    const pos = key === undefined ? map.valueAt(path) : map.keyAt(path, key);
    const clean = {
      ...(extra.subject !== undefined ? { subject: extra.subject } : {}),
      ...(extra.suggestion !== undefined ? { suggestion: extra.suggestion } : {}),
    };
    out.push(new ScenarioError(code, pos.file, pos.line, pos.col, detail, clean));
  };

  // Paths where a "one action key" oneOf failed; their `required` branch errors are noise.
  const selectorPaths = new Set(
    errors
      .filter((e) => e.keyword === 'oneOf' && selectorKeys(e.parentSchema as SchemaNode).length)
      .map((e) => e.instancePath),
  );
  // Paths with an unknown key: there the unknown key explains a missing action by itself.
  const unknownKeyPaths = new Set(
    errors.filter((e) => e.keyword === 'additionalProperties').map((e) => e.instancePath),
  );

  for (const e of errors) {
    const path = pointerToPath(e.instancePath, data);
    const parent = e.parentSchema as SchemaNode | undefined;
    switch (e.keyword) {
      case 'if':
        break; // the failing then/else branch reports the real problem
      case 'required': {
        if (selectorPaths.has(e.instancePath) && /\/oneOf\/\d+\/required$/.test(e.schemaPath))
          break;
        const field = (e.params as { missingProperty: string }).missingProperty;
        if (parent === definition('manifest')) {
          push(
            ScenarioErrorCode.BadManifest,
            path,
            `inline manifest needs apiVersion and kind: missing '${field}'`,
          );
          break;
        }
        push(ScenarioErrorCode.MissingField, path, `missing required field '${field}'`, undefined, {
          subject: field,
        });
        break;
      }
      case 'oneOf': {
        const keys = selectorKeys(parent);
        if (!keys.length) {
          push(ScenarioErrorCode.BadValue, path, 'expected exactly one of the allowed forms');
          break;
        }
        if (e.data === null || typeof e.data !== 'object' || Array.isArray(e.data)) break; // the type error says it
        const present = Object.keys(e.data).filter((k) => keys.includes(k));
        const what = isCheckStep(parent) ? 'check' : 'action';
        if (present.length > 1) {
          push(
            ScenarioErrorCode.MultipleActions,
            path,
            `a step has exactly one ${what}, got ${present.map((k) => `'${k}'`).join(' and ')}`,
            present[1],
          );
        } else if (!unknownKeyPaths.has(e.instancePath)) {
          push(
            ScenarioErrorCode.MissingAction,
            path,
            `missing ${what}: expected one of ${quoteList(keys)}`,
          );
        }
        break;
      }
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        const keys = selectorKeys(parent);
        if (keys.length && e.instancePath.match(/^\/steps\/\d+$/)) {
          const near = closest(key, keys);
          push(
            ScenarioErrorCode.UnknownStep,
            path,
            `unknown step '${key}': expected one of ${quoteList(keys)}${hintFor(near)}`,
            key,
            { subject: key, suggestion: near },
          );
        } else if (keys.length) {
          // The checks, then the step's own fields (timeout, for).
          const all = Object.keys((parent?.['properties'] as object) ?? {});
          const near = closest(key, all);
          push(
            ScenarioErrorCode.UnknownExpectation,
            path,
            `unknown check '${key}': expected one of ${quoteList(all)}${hintFor(near)}`,
            key,
            { subject: key, suggestion: near },
          );
        } else {
          const allowed = Object.keys((parent?.['properties'] as object) ?? {});
          const near = closest(key, allowed);
          const hint = allowed.length
            ? `: expected one of ${quoteList(allowed)}${hintFor(near)}`
            : '';
          push(ScenarioErrorCode.UnknownProperty, path, `unknown property '${key}'${hint}`, key, {
            subject: key,
            suggestion: near,
          });
        }
        break;
      }
      case 'type': {
        const t = (e.params as { type: string | string[] }).type;
        const types = Array.isArray(t) ? t : [t];
        const want = expectedPhrase(e) ?? types.map((x) => TYPE_WORDS[x] ?? x).join(' or ');
        push(ScenarioErrorCode.WrongType, path, `expected ${want}, got ${describeValue(e.data)}`);
        break;
      }
      case 'pattern': {
        const want =
          expectedPhrase(e) ?? `a value matching ${(e.params as { pattern: string }).pattern}`;
        const code = isDuration(e) ? ScenarioErrorCode.BadDuration : ScenarioErrorCode.BadValue;
        push(code, path, `expected ${want}, got ${describeValue(e.data)}`);
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        const want = expectedPhrase(e) ?? `one of ${quoteList(allowed)}`;
        const near = closest(e.data, allowed);
        push(
          ScenarioErrorCode.BadValue,
          path,
          `expected ${want}, got ${describeValue(e.data)}${hintFor(near)}`,
          undefined,
          { subject: String(e.data), suggestion: near },
        );
        break;
      }
      case 'minimum':
      case 'maximum': {
        const limit = (e.params as { limit: number }).limit;
        const bound = e.keyword === 'minimum' ? `at least ${limit}` : `at most ${limit}`;
        const want = expectedPhrase(e) ?? `a number ${bound}`;
        push(ScenarioErrorCode.BadValue, path, `expected ${want}, got ${describeValue(e.data)}`);
        break;
      }
      case 'minItems':
        push(
          ScenarioErrorCode.BadValue,
          path,
          `expected at least ${(e.params as { limit: number }).limit} item(s)`,
        );
        break;
      case 'minLength':
        push(ScenarioErrorCode.BadValue, path, 'expected a non-empty string');
        break;
      case 'minProperties':
        push(ScenarioErrorCode.BadValue, path, 'expected a non-empty mapping');
        break;
      default:
        push(
          ScenarioErrorCode.BadValue,
          path,
          `expected ${expectedPhrase(e) ?? e.message ?? 'a valid value'}`,
        );
    }
  }
  return out;
}
