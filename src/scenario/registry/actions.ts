/**
 * Every step action, in schema order. A new action is one module in src/scenario/actions
 * listed here; its keys, schema, parser, description, runner and `inject` names come with it.
 */
import { SpeakersimError } from '../../core/errors.js';
import { applyAction } from '../actions/apply.js';
import { checkSteps } from '../actions/check-steps.js';
import { consistentlyAction } from '../actions/consistently.js';
import { daemonAction } from '../actions/daemon.js';
import { deleteAction } from '../actions/delete.js';
import { forgeAction } from '../actions/forge.js';
import { linkAction } from '../actions/link.js';
import { nodeAction } from '../actions/node.js';
import { packetsAction } from '../actions/packets.js';
import { patchAction } from '../actions/patch.js';
import { timeAction } from '../actions/time.js';
import { vtyshAction } from '../actions/vtysh.js';
import type { StepContext } from '../references.js';
import type { YamlPath } from '../source-map.js';
import type { ActionDef, ActionOutput, InjectOptions, RunContext, StepVerdict } from './types.js';

export const ACTIONS = [
  applyAction,
  patchAction,
  deleteAction,
  linkAction,
  packetsAction,
  daemonAction,
  forgeAction,
  vtyshAction,
  nodeAction,
  timeAction,
  checkSteps,
  consistentlyAction,
] as const;

export type Action = ReturnType<(typeof ACTIONS)[number]['parse']>;

type AnyAction = ActionDef<Action>;
const all = ACTIONS as unknown as readonly AnyAction[];
const byKind = new Map<string, AnyAction>(all.flatMap((d) => d.kinds.map((k) => [k, d] as const)));
const byKey = new Map<string, AnyAction>(
  all.flatMap((d) => Object.keys(d.keys).map((k) => [k, d] as const)),
);

/** The YAML step keys, in schema order. */
export function actionKeys(): string[] {
  return [...byKey.keys()];
}

export function parseAction(ctx: StepContext, key: string, value: unknown, path: YamlPath): Action {
  return byKey.get(key)!.parse(ctx, key, value, [...path, key]);
}

export function describeAction(a: Action): string {
  return byKind.get(a.kind)!.describe(a);
}

/** The longest the action may take (timeout, window, pause), or undefined when unbounded. */
export function actionMaxDurationMs(a: Action): number | undefined {
  return byKind.get(a.kind)!.maxDurationMs?.(a);
}

/** Carries an action out; checks return their verdict, vtysh its answer, others nothing. */
export function runAction(c: RunContext, a: Action): Promise<StepVerdict | ActionOutput | void> {
  return byKind.get(a.kind)!.act(c, a);
}

/** `speakersim inject` names, each with the action it makes. */
const injectors = new Map(all.flatMap((d) => Object.entries(d.inject ?? {})));

export const INJECT_NAMES: readonly string[] = [...injectors.keys()];

export function injectAction(name: string, o: InjectOptions): Action {
  const make = injectors.get(name);
  if (!make)
    throw new SpeakersimError(
      'ERR_SCENARIO_UNKNOWN_FAULT',
      `unknown fault '${name}': expected one of ${INJECT_NAMES.join(', ')}`,
    );
  return make(o);
}
