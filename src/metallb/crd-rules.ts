/**
 * The CEL and immutability rules of MetalLB's CRDs (reference §9, §5, §6, §11): checks the
 * API server applies on create/update before any webhook, with the CRDs' exact messages.
 */
import { parseGoDuration } from './duration.js';
import type { BGPAdvertisement, BGPPeer, ServiceBGPStatus, ServiceL2Status } from './types.js';

/** kubectl prints this for every request on BGPPeer v1beta1. */
export const BGPPEER_V1BETA1_WARNING = 'v1beta1 is deprecated, please use v1beta2';

export interface RuleViolation {
  /** JSON path of the field, as the API server reports it (`spec.connectTime`). */
  field: string;
  message: string;
}

export function bgpPeerRuleViolations(next: BGPPeer, previous?: BGPPeer): RuleViolation[] {
  const out: RuleViolation[] = [];
  const ct = next.spec.connectTime;
  if (ct !== undefined) {
    const ns = parseGoDuration(ct);
    if (ns !== undefined) {
      if (ns < 1e9 || ns > 65535e9)
        out.push({
          field: 'spec.connectTime',
          message: 'connect time should be between 1 seconds to 65535',
        });
      else if (ns % 1e9 !== 0)
        out.push({
          field: 'spec.connectTime',
          message: 'connect time should contain a whole number of seconds',
        });
    }
  }
  if (
    previous &&
    (previous.spec.enableGracefulRestart ?? false) !== (next.spec.enableGracefulRestart ?? false)
  ) {
    out.push({
      field: 'spec.enableGracefulRestart',
      message: 'EnableGracefulRestart cannot be changed after creation',
    });
  }
  return out;
}

export function bgpAdvertisementRuleViolations(ad: BGPAdvertisement): RuleViolation[] {
  const s = ad.spec;
  const custom = (s.aggregationLength ?? 32) !== 32 || (s.aggregationLengthV6 ?? 128) !== 128;
  if ((s.serviceSelectors ?? []).length > 0 && custom) {
    return [
      {
        field: 'spec',
        message:
          'serviceSelectors and aggregationLength are mutually exclusive, can only be used together with default aggregationLength (32) and aggregationLengthV6 (128)',
      },
    ];
  }
  return [];
}

/** node, serviceName and serviceNamespace never change once written. */
export function serviceStatusRuleViolations(
  next: ServiceBGPStatus | ServiceL2Status,
  previous: ServiceBGPStatus | ServiceL2Status | undefined,
): RuleViolation[] {
  if (!previous) return [];
  const out: RuleViolation[] = [];
  for (const f of ['node', 'serviceName', 'serviceNamespace'] as const) {
    if (previous.status[f] !== undefined && previous.status[f] !== next.status[f]) {
      out.push({ field: `status.${f}`, message: 'Value is immutable' });
    }
  }
  return out;
}
