import { createHash, timingSafeEqual } from 'node:crypto';
import {
  BFD_MANDATORY_LENGTH,
  BFD_MD5_DIGEST_LENGTH,
  BFD_SHA1_DIGEST_LENGTH,
  BfdAuthType,
} from './constants.js';
import type { BfdDiscardReason } from './discard.js';
import { encodeControlPacket } from './encode-control.js';
import { BfdEncodeError } from '../errors.js';
import type { BfdAuthSection, BfdControlPacket } from './types.js';

/**
 * RFC 5880 6.7: signing (transmit) and checking (receive) of the authentication section.
 * The sequence number window of 6.7.3/6.7.4 needs per-session state and lives in
 * fsm/auth-sequence.ts; here only the parts that depend on the packet bytes and the key.
 */

/** One shared key: simple password (1-16 bytes), MD5 key (1-16) or SHA1 key (1-20). */
export interface BfdAuthKey {
  type: Exclude<BfdAuthType, BfdAuthType.Reserved>;
  keyId: number;
  secret: Buffer;
}

export function isMd5(type: BfdAuthType): boolean {
  return type === BfdAuthType.KeyedMd5 || type === BfdAuthType.MeticulousKeyedMd5;
}

export function isMeticulous(type: BfdAuthType): boolean {
  return type === BfdAuthType.MeticulousKeyedMd5 || type === BfdAuthType.MeticulousKeyedSha1;
}

function digestLength(type: BfdAuthType): number {
  return isMd5(type) ? BFD_MD5_DIGEST_LENGTH : BFD_SHA1_DIGEST_LENGTH;
}

/** Checks a key's secret length against RFC 5880 4.2-4.4; throws BfdEncodeError. */
export function validateAuthKey(key: BfdAuthKey): void {
  const max = key.type === BfdAuthType.SimplePassword ? 16 : digestLength(key.type);
  if (key.secret.length < 1 || key.secret.length > max) {
    throw new BfdEncodeError(`auth type ${key.type} secret of ${key.secret.length} bytes`);
  }
  if (!Number.isInteger(key.keyId) || key.keyId < 0 || key.keyId > 255) {
    throw new BfdEncodeError(`auth key id ${key.keyId}`);
  }
}

/** The key padded with trailing zeros to the digest size (RFC 5880 4.3 / 4.4). */
function paddedKey(key: BfdAuthKey): Buffer {
  const out = Buffer.alloc(digestLength(key.type));
  key.secret.copy(out, 0, 0, out.length);
  return out;
}

function hash(type: BfdAuthType, data: Buffer): Buffer {
  return createHash(isMd5(type) ? 'md5' : 'sha1')
    .update(data)
    .digest();
}

/**
 * Encodes `packet` with an authentication section for `key`. For MD5/SHA1 the digest is
 * computed over the whole packet with the padded key in the digest field (RFC 5880 6.7.3:
 * "the shared MD5 key ... is placed into the Auth Key/Digest field ... then MD5 is run over the
 * entire BFD Control packet"; 6.7.4 the same with SHA1).
 */
export function encodeSignedControlPacket(
  packet: Omit<BfdControlPacket, 'auth'>,
  key: BfdAuthKey,
  sequence: number,
): Buffer {
  validateAuthKey(key);
  const auth: BfdAuthSection =
    key.type === BfdAuthType.SimplePassword
      ? { type: key.type, keyId: key.keyId, password: key.secret }
      : { type: key.type, keyId: key.keyId, sequence: sequence >>> 0, digest: paddedKey(key) };
  const buf = encodeControlPacket({ ...packet, auth });
  if (key.type !== BfdAuthType.SimplePassword) {
    const digestAt = BFD_MANDATORY_LENGTH + 8;
    hash(key.type, buf).copy(buf, digestAt);
  }
  return buf;
}

/**
 * Checks the authentication section of a decoded packet against the session's keys: type,
 * key id, then password or digest. `raw` is the received payload. Returns the discard reason,
 * or undefined when the section is authentic.
 */
export function verifyControlAuth(
  raw: Buffer,
  packet: BfdControlPacket,
  sessionType: BfdAuthType,
  keys: ReadonlyMap<number, BfdAuthKey>,
): BfdDiscardReason | undefined {
  const auth = packet.auth;
  if (!auth) return 'auth-missing';
  // RFC 5880 6.7.2-6.7.4: "If the Auth Type field does not match ..., the packet MUST be
  // discarded" (the session is configured for one authentication type).
  if (auth.type !== sessionType) return 'auth-type-mismatch';
  // RFC 5880 6.7.2-6.7.4: "If the Auth Key ID field does not match the ID of a configured
  // authentication key, the received packet MUST be discarded."
  const key = keys.get(auth.keyId);
  if (!key || key.type !== auth.type) return 'auth-key-unknown';
  if (auth.type === BfdAuthType.SimplePassword) {
    // RFC 5880 6.7.2: the password must match the configured one, length included.
    const ok =
      auth.password.length === key.secret.length && timingSafeEqual(auth.password, key.secret);
    return ok ? undefined : 'auth-digest-mismatch';
  }
  const length = raw[3]!;
  const copy = Buffer.from(raw.subarray(0, length));
  const digestAt = BFD_MANDATORY_LENGTH + 8;
  paddedKey(key).copy(copy, digestAt);
  const expected = hash(auth.type, copy);
  // RFC 5880 6.7.3 / 6.7.4: "If the computed digest does not match ..., the packet MUST be
  // discarded."
  return timingSafeEqual(expected, auth.digest) ? undefined : 'auth-digest-mismatch';
}
