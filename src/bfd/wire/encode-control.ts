import {
  BFD_MANDATORY_LENGTH,
  BFD_MD5_AUTH_LENGTH,
  BFD_MD5_DIGEST_LENGTH,
  BFD_PASSWORD_MAX,
  BFD_PASSWORD_MIN,
  BFD_SHA1_AUTH_LENGTH,
  BFD_SHA1_DIGEST_LENGTH,
  BfdAuthType,
  BfdDiagnostic,
  BfdState,
} from './constants.js';
import { BfdEncodeError } from '../errors.js';
import type { BfdAuthSection, BfdControlPacket } from './types.js';

const U32 = 0xffffffff;

function checkRange(name: string, value: number, lo: number, hi: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new BfdEncodeError(`${name} ${value} outside ${lo}..${hi}`);
  }
}

/** Byte length of an authentication section on the wire (RFC 5880 4.2-4.4). */
export function authSectionLength(auth: BfdAuthSection): number {
  switch (auth.type) {
    case BfdAuthType.SimplePassword:
      return 3 + auth.password.length;
    case BfdAuthType.KeyedMd5:
    case BfdAuthType.MeticulousKeyedMd5:
      return BFD_MD5_AUTH_LENGTH;
    default:
      return BFD_SHA1_AUTH_LENGTH;
  }
}

/** An RFC 5880 4.1 Control packet with no authentication: Down, 300 ms, x3, unless overridden. */
export function controlPacket(fields: Partial<BfdControlPacket> = {}): BfdControlPacket {
  return {
    version: 1,
    diagnostic: BfdDiagnostic.NoDiagnostic,
    state: BfdState.Down,
    poll: false,
    final: false,
    controlPlaneIndependent: false,
    demand: false,
    multipoint: false,
    detectMult: 3,
    myDiscriminator: 1,
    yourDiscriminator: 0,
    desiredMinTxUs: 300_000,
    requiredMinRxUs: 300_000,
    requiredMinEchoRxUs: 0,
    ...fields,
  };
}

/**
 * Encodes one Control packet (RFC 5880 4.1). The Length field and the A bit follow from
 * `packet.auth`; digests are written as given (see auth.ts to sign). Throws BfdEncodeError for
 * fields out of range: those are local bugs, never received data.
 */
export function encodeControlPacket(packet: BfdControlPacket): Buffer {
  checkRange('version', packet.version, 0, 7);
  checkRange('diagnostic', packet.diagnostic, 0, 31);
  checkRange('state', packet.state, 0, 3);
  checkRange('detectMult', packet.detectMult, 0, 255);
  checkRange('myDiscriminator', packet.myDiscriminator, 0, U32);
  checkRange('yourDiscriminator', packet.yourDiscriminator, 0, U32);
  checkRange('desiredMinTxUs', packet.desiredMinTxUs, 0, U32);
  checkRange('requiredMinRxUs', packet.requiredMinRxUs, 0, U32);
  checkRange('requiredMinEchoRxUs', packet.requiredMinEchoRxUs, 0, U32);
  // RFC 5880 4.1: "A BFD Control packet MUST NOT have both the Poll (P) and Final (F) bits set."
  if (packet.poll && packet.final) throw new BfdEncodeError('both Poll and Final set');
  const authLength = packet.auth ? authSectionLength(packet.auth) : 0;
  const length = BFD_MANDATORY_LENGTH + authLength;
  const buf = Buffer.alloc(length);
  buf[0] = (packet.version << 5) | packet.diagnostic;
  buf[1] =
    (packet.state << 6) |
    (packet.poll ? 0x20 : 0) |
    (packet.final ? 0x10 : 0) |
    (packet.controlPlaneIndependent ? 0x08 : 0) |
    (packet.auth ? 0x04 : 0) |
    (packet.demand ? 0x02 : 0) |
    (packet.multipoint ? 0x01 : 0);
  buf[2] = packet.detectMult;
  buf[3] = length;
  buf.writeUInt32BE(packet.myDiscriminator, 4);
  buf.writeUInt32BE(packet.yourDiscriminator, 8);
  buf.writeUInt32BE(packet.desiredMinTxUs, 12);
  buf.writeUInt32BE(packet.requiredMinRxUs, 16);
  buf.writeUInt32BE(packet.requiredMinEchoRxUs, 20);
  if (packet.auth) writeAuthSection(buf.subarray(BFD_MANDATORY_LENGTH), packet.auth);
  return buf;
}

function writeAuthSection(out: Buffer, auth: BfdAuthSection): void {
  checkRange('auth keyId', auth.keyId, 0, 255);
  out[0] = auth.type;
  out[1] = out.length;
  out[2] = auth.keyId;
  if (auth.type === BfdAuthType.SimplePassword) {
    checkRange('password length', auth.password.length, BFD_PASSWORD_MIN, BFD_PASSWORD_MAX);
    auth.password.copy(out, 3);
    return;
  }
  checkRange('auth sequence', auth.sequence, 0, U32);
  const md5 = auth.type === BfdAuthType.KeyedMd5 || auth.type === BfdAuthType.MeticulousKeyedMd5;
  const digestLength = md5 ? BFD_MD5_DIGEST_LENGTH : BFD_SHA1_DIGEST_LENGTH;
  if (auth.digest.length !== digestLength) {
    throw new BfdEncodeError(`digest of ${auth.digest.length} bytes, want ${digestLength}`);
  }
  // out[3] is Reserved: RFC 5880 4.3 "MUST be set to zero on transmit".
  out.writeUInt32BE(auth.sequence, 4);
  auth.digest.copy(out, 8);
}
