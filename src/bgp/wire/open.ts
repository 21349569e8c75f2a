/**
 * OPEN message (RFC 4271 4.2): version, My AS, Hold Time, BGP Identifier, optional
 * parameters. Optional parameters use the RFC 9072 extended form (255, 255, 2-octet length,
 * 2-octet parameter lengths) when the peer sends it or when they exceed 255 octets.
 * Capabilities may come all in one parameter or one per parameter; both decode to one list.
 */
import type { Capability, CodecContext, OpenMessage, RawOptionalParameter } from './types.js';
import { MessageType, openAsn } from './types.js';
import type { BgpWireError } from './errors.js';
import { encodeError, openError } from './errors.js';
import { decodeCapabilities, encodeCapabilities } from './capabilities.js';
import { formatIpv4, parseIpv4 } from './ip.js';
import { HEADER_LENGTH, writeHeader } from './header.js';

const CAPABILITIES_PARAMETER = 2; // RFC 5492 4
export const BGP_VERSION = 4;

/** Decodes the OPEN in `msg` (a whole message, header checked). Throws BgpWireError (code 2). */
export function decodeOpen(msg: Buffer, _ctx: CodecContext): OpenMessage {
  const end = msg.length;
  const version = msg[19]!;
  // RFC 4271 6.2: unsupported version -> 2/1, data is the largest version we support (2 octets).
  if (version !== BGP_VERSION) {
    throw openError(
      'ERR_BGP_OPEN_VERSION',
      `unsupported version ${version}`,
      Buffer.from([0, BGP_VERSION]),
    );
  }
  const myAsn = msg.readUInt16BE(20);
  const holdTime = msg.readUInt16BE(22);
  const bgpId = formatIpv4(msg, 24);
  // RFC 7607 2: AS 0 in an OPEN -> 2/2 Bad Peer AS.
  if (myAsn === 0) throw openError('ERR_BGP_PEER_AS', 'My AS is 0');
  // RFC 4271 6.2: a Hold Time of one or two seconds MUST be rejected -> 2/6.
  if (holdTime === 1 || holdTime === 2) {
    throw openError('ERR_BGP_HOLD_TIME', `unacceptable hold time ${holdTime}`);
  }
  // RFC 6286 2.2: the BGP Identifier is a non-zero 32-bit value -> 2/3 otherwise.
  if (msg.readUInt32BE(24) === 0) throw openError('ERR_BGP_IDENTIFIER', 'BGP Identifier is 0');

  const capabilities: Capability[] = [];
  const otherParameters: RawOptionalParameter[] = [];
  let optLen = msg[28]!;
  let p = 29;
  let extended = false;
  // RFC 9072 2: Non-Ext OP Len 255 followed by Non-Ext OP Type 255 marks the extended form.
  if (optLen === 255 && end >= 32 && msg[29] === 255) {
    extended = true;
    optLen = msg.readUInt16BE(30);
    p = 32;
  }
  if (p + optLen !== end) {
    throw openError(
      'ERR_BGP_OPEN_MALFORMED',
      'optional parameters length disagrees with message length',
    );
  }
  const head = extended ? 3 : 2;
  while (p < end) {
    if (p + head > end)
      throw openError('ERR_BGP_OPEN_MALFORMED', 'optional parameter header truncated');
    const type = msg[p]!;
    const len = extended ? msg.readUInt16BE(p + 1) : msg[p + 1]!;
    const start = p + head;
    if (start + len > end)
      throw openError('ERR_BGP_OPEN_MALFORMED', 'optional parameter runs past the message');
    if (type === CAPABILITIES_PARAMETER) decodeCapabilities(msg, start, start + len, capabilities);
    else otherParameters.push({ type, value: Buffer.from(msg.subarray(start, start + len)) });
    p = start + len;
  }
  const open: OpenMessage = { type: 'OPEN', version, myAsn, holdTime, bgpId, capabilities };
  // RFC 7607 2: a 4-octet AS capability carrying AS 0 is also a Bad Peer AS.
  if (openAsn(open) === 0) throw openError('ERR_BGP_PEER_AS', '4-octet AS is 0');
  if (otherParameters.length > 0) open.otherParameters = otherParameters;
  if (extended) open.extendedOptionalParameters = true;
  return open;
}

function range(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw encodeError(`${what} ${v} out of range`);
  return v;
}

/** Splits the capability bytes at capability boundaries into pieces of at most `max` octets. */
function splitCapabilities(caps: readonly Capability[], max: number): Buffer[] {
  const pieces: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const c of caps) {
    const b = encodeCapabilities([c]);
    if (size + b.length > max && current.length > 0) {
      pieces.push(Buffer.concat(current));
      current = [];
      size = 0;
    }
    current.push(b);
    size += b.length;
  }
  if (current.length > 0) pieces.push(Buffer.concat(current));
  return pieces;
}

export function encodeOpen(open: OpenMessage): Buffer {
  const params: { type: number; value: Buffer }[] = [];
  const otherParams = open.otherParameters ?? [];
  const capBytes = encodeCapabilities(open.capabilities);
  const paramsSize = (ext: boolean, pieces: number) =>
    capBytes.length +
    pieces * (ext ? 3 : 2) +
    otherParams.reduce((n, o) => n + o.value.length + (ext ? 3 : 2), 0);
  let extended = open.extendedOptionalParameters === true;
  if (!extended) {
    const pieces = splitCapabilities(open.capabilities, 255);
    if (paramsSize(false, pieces.length) > 255 || otherParams.some((o) => o.value.length > 255))
      extended = true;
    else for (const v of pieces) params.push({ type: CAPABILITIES_PARAMETER, value: v });
  }
  if (extended) {
    if (open.capabilities.length > 0)
      params.push({ type: CAPABILITIES_PARAMETER, value: capBytes });
  }
  for (const o of otherParams)
    params.push({ type: range(o.type, 255, 'parameter type'), value: o.value });
  const head = extended ? 3 : 2;
  const optLen = params.reduce((n, x) => n + head + x.value.length, 0);
  const length = HEADER_LENGTH + 10 + (extended ? 3 : 0) + optLen;
  if (optLen > 0xffff || length > 4096) throw encodeError('OPEN longer than 4096 octets');
  const id = parseIpv4(open.bgpId);
  if (!id) throw encodeError(`BGP Identifier ${open.bgpId} is not a dotted quad`);
  const buf = Buffer.alloc(length);
  writeHeader(buf, length, MessageType.OPEN);
  buf[19] = range(open.version, 255, 'version');
  buf.writeUInt16BE(range(open.myAsn, 0xffff, 'My AS'), 20);
  buf.writeUInt16BE(range(open.holdTime, 0xffff, 'hold time'), 22);
  id.copy(buf, 24);
  let p: number;
  if (extended) {
    buf[28] = 255;
    buf[29] = 255;
    buf.writeUInt16BE(optLen, 30);
    p = 32;
  } else {
    buf[28] = optLen;
    p = 29;
  }
  for (const x of params) {
    buf[p] = x.type;
    if (extended) buf.writeUInt16BE(x.value.length, p + 1);
    else buf[p + 1] = x.value.length;
    x.value.copy(buf, p + head);
    p += head + x.value.length;
  }
  return buf;
}

/** What the local side expects of the peer's OPEN (RFC 4271 6.2, RFC 5492 5, RFC 9234 4.2). */
export interface OpenExpectation {
  /** Configured peer AS; a different AS in the OPEN is 2/2 Bad Peer AS. */
  peerAsn?: number;
  /** Our own BGP Identifier; the same one from the peer is 2/3 (RFC 6286 2.2, for iBGP). */
  localBgpId?: string;
  /** Capabilities we cannot work without; missing ones are 2/7 Unsupported Capability. */
  requiredCapabilities?: readonly Capability[];
  /** Our RFC 9234 role; with `strictRole`, a peer without a role is also a mismatch. */
  localRole?: number;
  strictRole?: boolean;
  /** Smallest non-zero hold time we accept (RFC 4271 6.2 lets an implementation refuse less). */
  minHoldTime?: number;
}

/** RFC 9234 4.2: the role pairs that agree (Provider-Customer, RS-RS-Client, Peer-Peer). */
const ROLE_PAIRS: Record<number, number> = { 0: 3, 3: 0, 1: 2, 2: 1, 4: 4 };

function capabilityMatches(have: Capability, want: Capability): boolean {
  if (have.kind !== want.kind) return false;
  if (have.kind === 'multiprotocol' && want.kind === 'multiprotocol') {
    return have.afi === want.afi && have.safi === want.safi;
  }
  if (have.kind === 'unknown' && want.kind === 'unknown') return have.code === want.code;
  return true;
}

/** Checks a decoded OPEN against local configuration; returns the error to send, or null. */
export function validateOpen(open: OpenMessage, expect: OpenExpectation): BgpWireError | null {
  // RFC 4271 6.2: an unrecognized optional parameter -> 2/4 Unsupported Optional Parameters.
  if (open.otherParameters && open.otherParameters.length > 0) {
    return openError(
      'ERR_BGP_OPTIONAL_PARAMETER',
      `optional parameter ${open.otherParameters[0]!.type}`,
    );
  }
  // RFC 4271 6.2 / RFC 6793 4.1: the (4-octet) AS must be the one configured -> 2/2.
  if (expect.peerAsn !== undefined && openAsn(open) !== expect.peerAsn) {
    return openError('ERR_BGP_PEER_AS', `peer AS ${openAsn(open)} is not ${expect.peerAsn}`);
  }
  // RFC 4271 6.2: a hold time the implementation does not accept -> 2/6 Unacceptable Hold Time.
  if (
    expect.minHoldTime !== undefined &&
    open.holdTime !== 0 &&
    open.holdTime < expect.minHoldTime
  ) {
    return openError('ERR_BGP_HOLD_TIME', `hold time ${open.holdTime} below ${expect.minHoldTime}`);
  }
  if (expect.localBgpId !== undefined && open.bgpId === expect.localBgpId) {
    return openError('ERR_BGP_IDENTIFIER', 'peer uses our BGP Identifier');
  }
  // RFC 5492 5: data lists the capabilities that made us send Unsupported Capability.
  const missing = (expect.requiredCapabilities ?? []).filter(
    (want) => !open.capabilities.some((have) => capabilityMatches(have, want)),
  );
  if (missing.length > 0) {
    return openError(
      'ERR_BGP_UNSUPPORTED_CAPABILITY',
      'required capability missing',
      encodeCapabilities(missing),
    );
  }
  if (expect.localRole !== undefined) {
    const roles = open.capabilities.filter((c) => c.kind === 'role');
    // RFC 9234 4.2: several role capabilities with different values, or a wrong pair -> 2/11.
    const values = new Set(roles.map((r) => (r.kind === 'role' ? r.role : -1)));
    if (values.size > 1) return openError('ERR_BGP_ROLE_MISMATCH', 'conflicting roles');
    if (values.size === 1) {
      const [peerRole] = [...values];
      if (ROLE_PAIRS[expect.localRole] !== peerRole) {
        return openError(
          'ERR_BGP_ROLE_MISMATCH',
          `role ${peerRole} does not fit ${expect.localRole}`,
        );
      }
    } else if (expect.strictRole) {
      return openError('ERR_BGP_ROLE_MISMATCH', 'peer sent no role in strict mode');
    }
  }
  return null;
}
