/**
 * Every check `wait`, `expect` and `consistently` take, in schema order. A new check is one
 * module in src/scenario/checks listed here.
 */
import { metricCheck } from '../checks/metric.js';
import { neighborCheck } from '../checks/neighbor.js';
import { notificationCheck } from '../checks/notification.js';
import { resourceCheck } from '../checks/resource.js';
import { routeCheck } from '../checks/route.js';
import { sessionCheck } from '../checks/session.js';
import { sessionsCheck } from '../checks/sessions.js';
import type { StepContext } from '../references.js';
import type { YamlPath } from '../source-map.js';
import type { Check, CheckDef, RunContext } from './types.js';

export const CHECKS = [
  resourceCheck,
  sessionsCheck,
  routeCheck,
  neighborCheck,
  notificationCheck,
  metricCheck,
  sessionCheck,
] as const;

export type Expectation = ReturnType<(typeof CHECKS)[number]['parse']>;

type AnyCheck = CheckDef<Expectation>;
const byKind = new Map<string, AnyCheck>(CHECKS.map((c) => [c.kind, c as unknown as AnyCheck]));

function defOf(e: Expectation): AnyCheck {
  return byKind.get(e.kind)!;
}

/** The check named by the one check key of `raw` (the schema has made sure there is one). */
export function parseExpectation(
  ctx: StepContext,
  raw: Record<string, unknown>,
  path: YamlPath,
): Expectation {
  const def = (CHECKS as readonly CheckDef<Expectation>[]).find((c) => raw[c.key] !== undefined)!;
  return def.parse(ctx, raw[def.key] as Record<string, unknown>, [...path, def.key]);
}

export function describeExpectation(e: Expectation): string {
  return defOf(e).describe(e);
}

export function evaluate(c: RunContext, e: Expectation): Promise<Check> {
  return defOf(e).check(c, e);
}

/** The recorded history's verdict since `from`, or undefined when the check has none. */
export function evaluateHistory(c: RunContext, e: Expectation, from: number): Check | undefined {
  return defOf(e).history?.(c, e, from);
}
