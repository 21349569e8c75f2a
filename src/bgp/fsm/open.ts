/**
 * Our OPEN (RFC 4271 4.2, RFC 6793) and the check of the peer's OPEN (RFC 4271 6.2, RFC 5492,
 * RFC 6286, RFC 6793, RFC 7607). The codec has already checked that the message is well formed;
 * this decides whether this speaker accepts it, and what the session then runs with.
 */
import type { OpenMessage } from '../wire/types.js';
import { capabilityCode, capabilityTlv } from './capability-code.js';
import { AS_TRANS, BGP_VERSION, ErrorCode, OpenErrorSubcode } from './codes.js';
import type { ResolvedFsmConfig } from './config.js';
import type { NotificationToSend } from './events.js';
import { isCapability } from './guards.js';
import { parseBgpIdentifier } from './identifier.js';
import type { NegotiatedParameters } from './negotiated.js';
import { negotiate } from './negotiated.js';

/** The OPEN this FSM sends. */
export function buildOpen(config: ResolvedFsmConfig): OpenMessage {
  return {
    type: 'OPEN',
    version: BGP_VERSION,
    // RFC 6793 3: an AS that needs 4 octets travels as AS_TRANS in the 2-octet field.
    myAsn: config.localAsn > 0xffff ? AS_TRANS : config.localAsn,
    holdTime: config.holdTimeSeconds,
    bgpId: config.bgpId,
    capabilities: [...config.capabilities],
  };
}

export type OpenVerdict =
  { ok: true; negotiated: NegotiatedParameters } | { ok: false; notification: NotificationToSend };

function openError(subcode: number, data: Buffer = Buffer.alloc(0)): OpenVerdict {
  return { ok: false, notification: { code: ErrorCode.OPEN_MESSAGE, subcode, data } };
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** The peer's AS: from its 4-octet AS capability when present (RFC 6793 3). */
function peerAsnOf(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.kind === 'four-octet-as') return c.asn;
  return open.myAsn;
}

function peerAsAcceptable(config: ResolvedFsmConfig, peerAsn: number): boolean {
  if (config.peerAsn === 'internal') return peerAsn === config.localAsn;
  if (config.peerAsn === 'external') return peerAsn !== config.localAsn;
  return peerAsn === config.peerAsn;
}

const isUint = (n: unknown, max: number): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;

/** Decides whether to accept `open`; on refusal gives the NOTIFICATION to send. */
export function checkOpen(config: ResolvedFsmConfig, open: OpenMessage): OpenVerdict {
  // Malformed capabilities cannot come from the codec; if a caller passes some, ignore them.
  const capabilities = Array.isArray(open.capabilities)
    ? open.capabilities.filter(isCapability)
    : [];
  // RFC 4271 6.2: an unsupported version MUST get 2/1; the data is the version we support
  // (the largest below the peer's bid, or the smallest above it: 4 either way).
  if (open.version !== BGP_VERSION)
    return openError(OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER, u16(BGP_VERSION));

  // RFC 4271 6.2: an optional parameter that is not recognized MUST get 2/4 Unsupported
  // Optional Parameters. The only one defined is Capabilities (type 2, RFC 5492 4); the codec
  // keeps the others in otherParameters.
  if (Array.isArray(open.otherParameters) && open.otherParameters.length > 0)
    return openError(OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER);

  const peerOpen: OpenMessage = { ...open, capabilities };
  const peerAsn = peerAsnOf(peerOpen);
  // RFC 4271 6.2: an unacceptable My Autonomous System MUST get 2/2 Bad Peer AS.
  // RFC 7607 2: AS 0 in the OPEN (either field) is handled as Bad Peer AS.
  if (
    !isUint(open.myAsn, 0xffff) ||
    !isUint(peerAsn, 0xffffffff) ||
    open.myAsn === 0 ||
    peerAsn === 0 ||
    !peerAsAcceptable(config, peerAsn)
  )
    return openError(OpenErrorSubcode.BAD_PEER_AS);

  // RFC 4271 6.2: an implementation MUST reject Hold Time values of one or two seconds.
  if (!isUint(open.holdTime, 0xffff) || open.holdTime === 1 || open.holdTime === 2)
    return openError(OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME);

  // RFC 6286 2.2: the BGP Identifier MUST be non-zero, and for an internal peer it MUST differ
  // from ours; a malformed one is refused the same way (RFC 4271 6.2 "syntactically incorrect").
  const peerId = parseBgpIdentifier(open.bgpId);
  const internal = peerAsn === config.localAsn;
  if (
    peerId === undefined ||
    peerId === 0 ||
    (internal && peerId === parseBgpIdentifier(config.bgpId))
  )
    return openError(OpenErrorSubcode.BAD_BGP_IDENTIFIER);

  // RFC 5492 5: when a capability we depend on is missing we MAY refuse with 2/7, and the
  // data MUST carry the capabilities that caused it.
  const peerCodes = new Set(capabilities.map(capabilityCode));
  const missing = config.capabilities.filter(
    (c) =>
      config.requiredCapabilities.includes(capabilityCode(c)) && !peerCodes.has(capabilityCode(c)),
  );
  if (missing.length > 0)
    return openError(
      OpenErrorSubcode.UNSUPPORTED_CAPABILITY,
      Buffer.concat(missing.map(capabilityTlv)),
    );

  return {
    ok: true,
    negotiated: negotiate({
      localAsn: config.localAsn,
      localHoldTimeSeconds: config.holdTimeSeconds,
      localKeepaliveTimeMs: config.keepaliveTimeMs,
      localCapabilities: config.capabilities,
      peerAsn,
      peerOpen,
    }),
  };
}
