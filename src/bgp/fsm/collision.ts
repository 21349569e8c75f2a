/**
 * RFC 4271 6.8 connection collision resolution, with RFC 6286 2.3 for equal identifiers.
 *
 * The runtime keeps one FSM per TCP connection. When an OPEN is accepted on one connection
 * while another connection to the same peer is in OpenConfirm (or Established with
 * CollisionDetectEstablishedState, or OpenSent once the peer's identifier is known), it calls
 * resolveCollision and feeds OpenCollisionDump to the FSM whose connection loses. That FSM
 * sends Cease/7 (Connection Collision Resolution) and closes.
 */
import { parseBgpIdentifier } from './identifier.js';
import type { ConnectionOrigin } from './state.js';

export interface CollisionInput {
  localBgpId: string;
  remoteBgpId: string;
  localAsn: number;
  remoteAsn: number;
}

export interface CollisionDecision {
  /** The connection to keep: the one opened by `keep` ('local' = we connected out). */
  keep: ConnectionOrigin;
  /** The connection that gets OpenCollisionDump. */
  dump: ConnectionOrigin;
}

/**
 * RFC 4271 6.8: compare the identifiers as 4-octet unsigned integers. If ours is lower, close
 * the connection we initiated; otherwise close the one the peer initiated. That keeps the
 * connection initiated by the speaker with the higher identifier.
 * RFC 6286 2.3: if the identifiers are equal, keep the connection initiated by the speaker
 * with the larger AS number. Equal identifiers and ASs cannot both pass OPEN checks (RFC 6286
 * 2.2), so that case is only reachable with bad input; it then keeps the local connection.
 * Unparsable identifiers count as 0.
 */
export function resolveCollision(input: CollisionInput): CollisionDecision {
  const local = parseBgpIdentifier(input.localBgpId) ?? 0;
  const remote = parseBgpIdentifier(input.remoteBgpId) ?? 0;
  let keep: ConnectionOrigin;
  if (local !== remote) keep = local > remote ? 'local' : 'remote';
  else keep = input.remoteAsn > input.localAsn ? 'remote' : 'local';
  return { keep, dump: keep === 'local' ? 'remote' : 'local' };
}
