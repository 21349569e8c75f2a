import { isIP } from 'node:net';
import { Address6 } from 'ip-address';
import type { BfdAuthKey } from './wire/auth.js';
import { validateAuthKey } from './wire/auth.js';
import type { BfdAuthType } from './wire/constants.js';
import { bfdPortFor } from './wire/constants.js';
import type { BfdFsmAuth, BfdSessionParams } from './fsm/types.js';
import { BfdConfigError, BfdDemandNotSupportedError, BfdEchoNotSupportedError } from './errors.js';

/** FRR's bfdd defaults, which MetalLB relies on when a BFDProfile leaves a field unset. */
export const FRR_DEFAULT_TX_MS = 300;
export const FRR_DEFAULT_RX_MS = 300;
export const FRR_DEFAULT_DETECT_MULT = 3;

export interface BfdAuthConfig {
  type: Exclude<BfdAuthType, BfdAuthType.Reserved>;
  /** Keys by Key ID; `secret` is the password (simple) or the MD5 / SHA1 key. */
  keys: { keyId: number; secret: string | Buffer }[];
  /** Key ID used to send; the first key by default. */
  txKeyId?: number;
}

/** What a caller gives to create one session. Intervals in milliseconds. */
export interface BfdSessionConfig {
  localAddress: string;
  peerAddress: string;
  /** Destination port: 3784 single hop, 4784 multihop, by default. */
  peerPort?: number;
  /** RFC 5883 multihop session (keyed apart from single hop sessions). */
  multihop?: boolean;
  /**
   * Multihop only (RFC 5883 5): discard packets received with a lower TTL (the UDP transport
   * has the kernel check it: BfdTransport.setTtlFloors). FRR's default is 254.
   */
  minimumTtl?: number;
  /** RFC 5881 3: one session per (local, peer) pair per interface; and per VRF. */
  interface?: string;
  vrf?: string;
  desiredMinTxMs?: number;
  requiredMinRxMs?: number;
  detectMult?: number;
  passive?: boolean;
  /** Refused: speakersim does not implement the Echo function (RFC 5880 6.4). */
  echo?: boolean;
  /** Refused: speakersim does not enable Demand mode locally (RFC 5880 6.6). */
  demand?: boolean;
  auth?: BfdAuthConfig;
}

/** The session table key of RFC 5881 3 (plus multihop and VRF). */
export function sessionKey(parts: {
  localAddress: string;
  peerAddress: string;
  multihop?: boolean;
  interface?: string;
  vrf?: string;
}): string {
  return [
    parts.multihop ? 'multihop' : 'single-hop',
    parts.vrf ?? '',
    parts.interface ?? '',
    canonicalAddress(parts.localAddress),
    canonicalAddress(parts.peerAddress),
  ].join('|');
}

/** One spelling per address, so `::1` and `0:0::1` find the same session. */
export function canonicalAddress(address: string): string {
  if (isIP(address) === 6) {
    try {
      return new Address6(address).correctForm();
    } catch {
      return address;
    }
  }
  return address;
}

function msToUs(field: string, ms: number, min: number): number {
  const us = Math.round(ms * 1000);
  if (!Number.isFinite(ms) || us < min || us > 0xffffffff) {
    throw new BfdConfigError(field, `${field} ${ms} ms out of range`);
  }
  return us;
}

/** Validates a session config and turns it into FSM parameters (intervals in microseconds). */
export function resolveSessionParams(config: BfdSessionConfig): BfdSessionParams {
  if (config.echo) throw new BfdEchoNotSupportedError();
  if (config.demand) throw new BfdDemandNotSupportedError();
  if (!isIP(config.localAddress)) {
    throw new BfdConfigError('localAddress', `bad address ${config.localAddress}`);
  }
  if (!isIP(config.peerAddress)) {
    throw new BfdConfigError('peerAddress', `bad address ${config.peerAddress}`);
  }
  const detectMult = config.detectMult ?? FRR_DEFAULT_DETECT_MULT;
  // RFC 5880 4.1: Detect Mult is one byte, and 6.8.6 discards 0.
  if (!Number.isInteger(detectMult) || detectMult < 1 || detectMult > 255) {
    throw new BfdConfigError('detectMult', `detectMult ${detectMult}`);
  }
  const ttl = config.minimumTtl;
  // An IPv4 TTL / IPv6 Hop Limit is one octet; 0 would accept nothing worth checking.
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > 255)) {
    throw new BfdConfigError('minimumTtl', `minimumTtl ${ttl}`);
  }
  return {
    // RFC 5880 4.1: "The value zero is reserved" for Desired Min TX Interval.
    desiredMinTxUs: msToUs('desiredMinTxMs', config.desiredMinTxMs ?? FRR_DEFAULT_TX_MS, 1),
    // RFC 5880 4.1: Required Min RX 0 means "do not send me periodic packets"; allowed.
    requiredMinRxUs: msToUs('requiredMinRxMs', config.requiredMinRxMs ?? FRR_DEFAULT_RX_MS, 0),
    detectMult,
    passive: config.passive ?? false,
  };
}

export function resolveAuth(auth: BfdAuthConfig | undefined): BfdFsmAuth | undefined {
  if (!auth) return undefined;
  if (auth.keys.length === 0) throw new BfdConfigError('auth.keys', 'no authentication key');
  const keys = new Map<number, BfdAuthKey>();
  for (const k of auth.keys) {
    const key: BfdAuthKey = {
      type: auth.type,
      keyId: k.keyId,
      secret: typeof k.secret === 'string' ? Buffer.from(k.secret, 'utf8') : k.secret,
    };
    try {
      validateAuthKey(key);
    } catch (err) {
      throw new BfdConfigError('auth.keys', (err as Error).message);
    }
    keys.set(k.keyId, key);
  }
  const txKeyId = auth.txKeyId ?? auth.keys[0]!.keyId;
  if (!keys.has(txKeyId)) throw new BfdConfigError('auth.txKeyId', `no key ${txKeyId}`);
  return { type: auth.type, keys, txKeyId };
}

export function defaultPeerPort(config: BfdSessionConfig): number {
  return config.peerPort ?? bfdPortFor(config.multihop);
}
