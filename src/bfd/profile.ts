import { BfdConfigError, BfdEchoNotSupportedError } from './errors.js';
import { FRR_DEFAULT_DETECT_MULT, FRR_DEFAULT_RX_MS, FRR_DEFAULT_TX_MS } from './config.js';
import { BfdState } from './wire/constants.js';

/**
 * MetalLB's BFDProfile (metallb.io/v1beta1 BFDProfile spec) mapped to session parameters, and
 * the BFD status strings MetalLB / frr-k8s report in BGPSessionState.status.bfdStatus.
 * The CRD sets no defaults: unset fields fall back to FRR bfdd's (300 ms, 300 ms, x3).
 */
export interface BfdProfileSpec {
  receiveInterval?: number;
  transmitInterval?: number;
  detectMultiplier?: number;
  echoInterval?: number;
  echoMode?: boolean;
  passiveMode?: boolean;
  minimumTtl?: number;
}

export interface BfdProfileParams {
  requiredMinRxMs: number;
  desiredMinTxMs: number;
  detectMult: number;
  passive: boolean;
  /** Multihop only (FRR `minimum-ttl`): speakersim cannot check received TTLs, see io/. */
  minimumTtl: number;
}

/** Field ranges of the BFDProfile CRD (reference/metallb-crs.md section 10). */
export const BFD_PROFILE_RANGES = {
  receiveInterval: { min: 10, max: 60000 },
  transmitInterval: { min: 10, max: 60000 },
  detectMultiplier: { min: 2, max: 255 },
  echoInterval: { min: 10, max: 60000 },
  minimumTtl: { min: 1, max: 254 },
} as const;

/** FRR defaults for the echo interval and minimum TTL (FRR bfdd). */
export const FRR_DEFAULT_ECHO_INTERVAL_MS = 50;
export const FRR_DEFAULT_MINIMUM_TTL = 254;

function ranged(field: keyof typeof BFD_PROFILE_RANGES, value: number | undefined, dflt: number) {
  if (value === undefined) return dflt;
  const { min, max } = BFD_PROFILE_RANGES[field];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BfdConfigError(field, `${field} ${value} outside ${min}-${max}`);
  }
  return value;
}

/**
 * Maps a BFDProfile spec to session parameters. Throws BfdConfigError for out-of-range fields
 * and BfdEchoNotSupportedError when echoMode is true (speakersim has no Echo function).
 */
export function bfdProfileToParams(spec: BfdProfileSpec): BfdProfileParams {
  ranged('echoInterval', spec.echoInterval, FRR_DEFAULT_ECHO_INTERVAL_MS);
  if (spec.echoMode) throw new BfdEchoNotSupportedError();
  return {
    requiredMinRxMs: ranged('receiveInterval', spec.receiveInterval, FRR_DEFAULT_RX_MS),
    desiredMinTxMs: ranged('transmitInterval', spec.transmitInterval, FRR_DEFAULT_TX_MS),
    detectMult: ranged('detectMultiplier', spec.detectMultiplier, FRR_DEFAULT_DETECT_MULT),
    passive: spec.passiveMode ?? false,
    minimumTtl: ranged('minimumTtl', spec.minimumTtl, FRR_DEFAULT_MINIMUM_TTL),
  };
}

/** The strings BGPSessionState.status.bfdStatus uses (reference/metallb-crs.md section 3). */
export type BfdStatusString = 'Up' | 'Down' | 'Admin Down' | 'N/A' | 'Unknown';

/**
 * BFD state -> MetalLB/frr-k8s status: `N/A` when the peer has no BFD, `Unknown` when the
 * state cannot be read; Init shows as `Down`.
 */
export function bfdStatusString(state: BfdState | undefined | null): BfdStatusString {
  if (state === undefined) return 'N/A';
  switch (state) {
    case BfdState.Up:
      return 'Up';
    case BfdState.Down:
    case BfdState.Init:
      return 'Down';
    case BfdState.AdminDown:
      return 'Admin Down';
    default:
      return 'Unknown';
  }
}

/** FRR `show bfd peers json` status strings, for the lab and metrics. */
export function frrBfdStatus(state: BfdState): 'up' | 'down' | 'init' | 'shutdown' {
  switch (state) {
    case BfdState.Up:
      return 'up';
    case BfdState.Init:
      return 'init';
    case BfdState.AdminDown:
      return 'shutdown';
    default:
      return 'down';
  }
}
