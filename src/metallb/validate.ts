/**
 * Configuration validity as MetalLB reports it (reference §7, §15): the condition each
 * reconciler writes into ConfigurationState, the `result`/`errorSummary` computed from the
 * conditions, and keep-last-valid semantics (a component keeps running its last valid
 * configuration while the new one is refused).
 */
import {
  buildConfig,
  type ConfigError,
  type ConfigResult,
  type ConfigView,
  type MetallbConfig,
} from './config.js';
import type {
  ClusterResources,
  Condition,
  ConfigurationState,
  ConfigurationStateStatus,
  ObjectMeta,
} from './types.js';
import { METALLB_NAMESPACE } from './types.js';

export { buildConfig, type ConfigError, type ConfigView, type MetallbConfig };

export const CONFIG_ERROR_PREFIX = 'configuration error: ';

/** The text MetalLB puts in the condition message and errorSummary. */
export function configurationErrorMessage(e: Pick<ConfigError, 'message'>): string {
  return CONFIG_ERROR_PREFIX + e.message;
}

export type ConditionType = 'poolReconcilerValid' | 'configReconcilerValid';

/** What one reconcile ended with. */
export type ReconcileOutcome =
  | { kind: 'ok' }
  | { kind: 'config-error'; error: Pick<ConfigError, 'message'> }
  | { kind: 'other-error'; message: string };

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** lastTransitionTime is `now` on every reconcile (MetalLB applies the condition each time). */
export function conditionFor(
  type: ConditionType,
  outcome: ReconcileOutcome,
  nowMs: number,
): Condition {
  const lastTransitionTime = rfc3339(nowMs);
  switch (outcome.kind) {
    case 'ok':
      return { type, status: 'True', reason: 'Reconciled', message: '', lastTransitionTime };
    case 'config-error':
      return {
        type,
        status: 'False',
        reason: 'ConfigurationError',
        message: configurationErrorMessage(outcome.error),
        lastTransitionTime,
      };
    case 'other-error':
      return {
        type,
        status: 'False',
        reason: 'UnknownError',
        message: outcome.message,
        lastTransitionTime,
      };
  }
}

/** Conditions are keyed by type (server-side apply): a new one replaces the old of its type. */
export function mergeConditions(
  existing: readonly Condition[] | undefined,
  next: Condition,
): Condition[] {
  const out = (existing ?? []).filter((c) => c.type !== next.type);
  out.push(next);
  return out.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/**
 * result: no conditions -> Unknown; any False/ConfigurationError -> Invalid with errorSummary
 * = those messages joined by \n; otherwise Valid without errorSummary.
 */
export function configurationStateStatus(
  conditions: readonly Condition[],
): ConfigurationStateStatus {
  if (conditions.length === 0) return { conditions: [], result: 'Unknown' };
  const errors = conditions.filter(
    (c) => c.status === 'False' && c.reason === 'ConfigurationError',
  );
  if (errors.length > 0) {
    return {
      conditions: [...conditions],
      result: 'Invalid',
      errorSummary: errors.map((c) => c.message).join('\n'),
    };
  }
  return { conditions: [...conditions], result: 'Valid' };
}

/** Name and labels of the ConfigurationState a component writes (no owner: the seed shows none). */
export function configurationStateObject(
  view: ConfigView,
  status: ConfigurationStateStatus,
  namespace = METALLB_NAMESPACE,
): ConfigurationState {
  const metadata: ObjectMeta =
    view.component === 'controller'
      ? { name: 'controller', namespace, labels: { 'metallb.io/component-type': 'controller' } }
      : {
          name: `speaker-${view.node}`,
          namespace,
          labels: { 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': view.node },
        };
  return { apiVersion: 'metallb.io/v1beta1', kind: 'ConfigurationState', metadata, status };
}

export function conditionTypeFor(view: ConfigView): ConditionType {
  return view.component === 'controller' ? 'poolReconcilerValid' : 'configReconcilerValid';
}

export interface ConfigApplyResult {
  /** The configuration the component runs with: the new one, or the last valid one. */
  config: MetallbConfig | undefined;
  /** The refusal of the new configuration, when it was refused. */
  error?: ConfigError;
  /** True when `config` was replaced by this call. */
  changed: boolean;
  /** The ConfigurationState status after this reconcile. */
  status: ConfigurationStateStatus;
}

/**
 * Keep-last-valid: a valid configuration replaces the running one; an invalid one is refused,
 * the last valid one keeps running, and the error shows in ConfigurationState.
 */
export class LastValidConfig {
  private current: MetallbConfig | undefined;
  private conditions: Condition[] = [];

  constructor(readonly view: ConfigView) {}

  get config(): MetallbConfig | undefined {
    return this.current;
  }

  apply(resources: ClusterResources, nowMs: number): ConfigApplyResult {
    const result: ConfigResult = buildConfig(resources, this.view);
    const type = conditionTypeFor(this.view);
    if (result.ok) {
      this.current = result.config;
      this.conditions = mergeConditions(this.conditions, conditionFor(type, { kind: 'ok' }, nowMs));
      return {
        config: this.current,
        changed: true,
        status: configurationStateStatus(this.conditions),
      };
    }
    this.conditions = mergeConditions(
      this.conditions,
      conditionFor(type, { kind: 'config-error', error: result.error }, nowMs),
    );
    return {
      config: this.current,
      error: result.error,
      changed: false,
      status: configurationStateStatus(this.conditions),
    };
  }
}
