/**
 * Normalizes `steps`: the one action key of each step becomes a typed Action through the
 * action registry (src/scenario/registry/actions.ts), which reads files, converts durations
 * and checks references to routers and nodes. Runs only on data the schema has accepted.
 */
import { describeAction, parseAction } from './registry/actions.js';
import type { Raw } from './references.js';
import type { YamlPath } from './source-map.js';
import type { Step } from './types.js';
import type { StepContext } from './references.js';

export type { StepContext } from './references.js';

export function normalizeSteps(ctx: StepContext, raw: Raw[], actionKeys: string[]): Step[] {
  return raw.map((step, index) => {
    const path: YamlPath = ['steps', index];
    const keyword = Object.keys(step).find((k) => actionKeys.includes(k))!;
    const act = parseAction(ctx, keyword, step[keyword], path);
    const name =
      typeof step['name'] === 'string' ? step['name'] : `${index + 1}: ${describeAction(act)}`;
    return { index, keyword, name, action: act, at: ctx.map.valueAt(path) };
  });
}
