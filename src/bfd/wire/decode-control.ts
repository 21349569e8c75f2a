import {
  BFD_MANDATORY_LENGTH,
  BFD_MD5_AUTH_LENGTH,
  BFD_MD5_DIGEST_LENGTH,
  BFD_MIN_LENGTH_WITH_AUTH,
  BFD_PASSWORD_MAX,
  BFD_PASSWORD_MIN,
  BFD_SHA1_AUTH_LENGTH,
  BFD_SHA1_DIGEST_LENGTH,
  BFD_VERSION,
  BfdAuthType,
  BfdState,
} from './constants.js';
import { BfdPacketDiscarded, type BfdDiscardReason } from './discard.js';
import type { BfdAuthSection, BfdControlPacket } from './types.js';

export type BfdDecodeResult =
  { ok: true; packet: BfdControlPacket } | { ok: false; error: BfdPacketDiscarded };

function discard(reason: BfdDiscardReason, message: string): BfdDecodeResult {
  return { ok: false, error: new BfdPacketDiscarded(reason, message) };
}

/**
 * Decodes one BFD Control packet from a UDP payload and applies the packet-only receive checks
 * of RFC 5880 6.8.6 in the RFC's order (the checks that need a session live in the FSM). Never
 * throws and never reads past `payload`: every failure is a typed discard.
 */
export function decodeControlPacket(payload: Uint8Array): BfdDecodeResult {
  const buf = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (buf.length < 4) return discard('truncated', `payload of ${buf.length} bytes`);
  const version = buf[0]! >> 5;
  // RFC 5880 6.8.6: "If the version number is not correct (1), the packet MUST be discarded."
  if (version !== BFD_VERSION) return discard('bad-version', `version ${version}`);
  const flags = buf[1]!;
  const authPresent = (flags & 0x04) !== 0;
  const length = buf[3]!;
  // RFC 5880 6.8.6: "If the Length field is less than the minimum correct value (24 if the A bit
  // is clear, or 26 if the A bit is set), the packet MUST be discarded."
  const minimum = authPresent ? BFD_MIN_LENGTH_WITH_AUTH : BFD_MANDATORY_LENGTH;
  if (length < minimum) return discard('length-too-short', `length ${length} < ${minimum}`);
  // RFC 5880 6.8.6: "If the Length field is greater than the payload of the encapsulating
  // protocol, the packet MUST be discarded."
  if (length > buf.length) {
    return discard('length-exceeds-payload', `length ${length} > payload ${buf.length}`);
  }
  const detectMult = buf[2]!;
  // RFC 5880 6.8.6: "If the Detect Mult field is zero, the packet MUST be discarded."
  if (detectMult === 0) return discard('detect-mult-zero', 'detect mult 0');
  // RFC 5880 6.8.6: "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
  if ((flags & 0x01) !== 0) return discard('multipoint-set', 'M bit set');
  const myDiscriminator = buf.readUInt32BE(4);
  // RFC 5880 6.8.6: "If the My Discriminator field is zero, the packet MUST be discarded."
  if (myDiscriminator === 0) return discard('my-discriminator-zero', 'my discriminator 0');
  const state = (flags >> 6) as BfdState;
  const yourDiscriminator = buf.readUInt32BE(8);
  // RFC 5880 6.8.6: "If the Your Discriminator field is zero and the State field is not Down or
  // AdminDown, the packet MUST be discarded."
  if (yourDiscriminator === 0 && state !== BfdState.Down && state !== BfdState.AdminDown) {
    return discard('your-discriminator-zero-not-down', `your discriminator 0 in state ${state}`);
  }
  const packet: BfdControlPacket = {
    version,
    diagnostic: buf[0]! & 0x1f,
    state,
    poll: (flags & 0x20) !== 0,
    final: (flags & 0x10) !== 0,
    controlPlaneIndependent: (flags & 0x08) !== 0,
    demand: (flags & 0x02) !== 0,
    multipoint: false,
    detectMult,
    myDiscriminator,
    yourDiscriminator,
    desiredMinTxUs: buf.readUInt32BE(12),
    requiredMinRxUs: buf.readUInt32BE(16),
    requiredMinEchoRxUs: buf.readUInt32BE(20),
  };
  if (authPresent) {
    const auth = decodeAuthSection(buf.subarray(BFD_MANDATORY_LENGTH, length));
    if (!auth.ok) return { ok: false, error: auth.error };
    packet.auth = auth.section;
  }
  return { ok: true, packet };
}

type AuthDecodeResult =
  { ok: true; section: BfdAuthSection } | { ok: false; error: BfdPacketDiscarded };

function badAuth(message: string): AuthDecodeResult {
  return { ok: false, error: new BfdPacketDiscarded('auth-malformed', message) };
}

/** Decodes the authentication section (RFC 5880 4.2-4.4); `section` ends at the Length field. */
function decodeAuthSection(section: Buffer): AuthDecodeResult {
  // The caller checked Length >= 26, so Auth Type and Auth Len are inside `section`.
  const type = section[0]!;
  const authLen = section[1]!;
  if (authLen > section.length) {
    return badAuth(`auth len ${authLen} > ${section.length} bytes left`);
  }
  switch (type) {
    case BfdAuthType.SimplePassword: {
      // RFC 5880 4.2: Auth Len = password length + 3; the password is 1 to 16 bytes.
      const pwLen = authLen - 3;
      if (pwLen < BFD_PASSWORD_MIN || pwLen > BFD_PASSWORD_MAX) {
        return badAuth(`simple password auth len ${authLen}`);
      }
      return {
        ok: true,
        section: {
          type,
          keyId: section[2]!,
          password: Buffer.from(section.subarray(3, authLen)),
        },
      };
    }
    case BfdAuthType.KeyedMd5:
    case BfdAuthType.MeticulousKeyedMd5:
    case BfdAuthType.KeyedSha1:
    case BfdAuthType.MeticulousKeyedSha1: {
      const md5 = type === BfdAuthType.KeyedMd5 || type === BfdAuthType.MeticulousKeyedMd5;
      // RFC 5880 4.3: Auth Len is 24 for MD5; 4.4: 28 for SHA1.
      const expected = md5 ? BFD_MD5_AUTH_LENGTH : BFD_SHA1_AUTH_LENGTH;
      if (authLen !== expected) return badAuth(`auth type ${type} with auth len ${authLen}`);
      const digestLength = md5 ? BFD_MD5_DIGEST_LENGTH : BFD_SHA1_DIGEST_LENGTH;
      return {
        ok: true,
        section: {
          type,
          keyId: section[2]!,
          sequence: section.readUInt32BE(4),
          digest: Buffer.from(section.subarray(8, 8 + digestLength)),
        },
      };
    }
    default:
      // RFC 5880 4.1: Auth Type 0 is reserved, 6-255 are unassigned.
      return badAuth(`auth type ${type}`);
  }
}
