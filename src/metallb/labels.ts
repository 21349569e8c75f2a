/**
 * Kubernetes label selectors (metav1.LabelSelector semantics): matchLabels AND every
 * matchExpression; an empty selector matches everything.
 */
import type { LabelSelector } from './types.js';

export type Labels = Readonly<Record<string, string>> | undefined;

/** The reason a selector is unusable (metav1.LabelSelectorAsSelector errors), or undefined. */
export function selectorProblem(sel: LabelSelector): string | undefined {
  for (const req of sel.matchExpressions ?? []) {
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          return `values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty`;
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          return `values: Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`;
        }
        break;
      default:
        return `${JSON.stringify(String(req.operator))} is not a valid label selector operator`;
    }
  }
  return undefined;
}

export function selectorMatches(sel: LabelSelector, labels: Labels): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (l[k] !== v) return false;
  }
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(l[req.key] as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[req.key] as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Any of the selectors matches; an empty list matches everything (MetalLB's convention). */
export function anySelectorMatches(
  sels: readonly LabelSelector[] | undefined,
  labels: Labels,
): boolean {
  if (!sels || sels.length === 0) return true;
  return sels.some((s) => selectorMatches(s, labels));
}

/** labels.Set.String(): `k1=v1,k2=v2` sorted by key. */
export function labelSetString(labels: Labels): string {
  return Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${(labels ?? {})[k]}`)
    .join(',');
}
