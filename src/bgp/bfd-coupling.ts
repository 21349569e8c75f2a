/**
 * BFD beside a BGP session (RFC 5882, RFC 9384), as FRR's `neighbor X bfd` does it:
 *
 * - BFD Up -> Down (detection time expired, path down): the BGP session is torn down with
 *   NOTIFICATION Cease / 10 "BFD Down" (RFC 9384 4) and every start waits until BFD is Up
 *   again (the FSM's BFD gate; see src/bgp/fsm/step.ts for the FRR behaviour it follows).
 * - The peer takes BFD administratively down: the local session goes Down with diagnostic 3
 *   (Neighbor Signaled Session Down), but RFC 5882 3.2 says a session that goes down because
 *   the remote system signalled AdminDown (its State field, whatever its Diag) MUST NOT be taken as a forwarding failure, so BGP
 *   stays up. The status still reports BFD Down.
 * - BFD Up: the gate opens and a waiting start goes ahead.
 */
import type { BfdSession } from '../bfd/session.js';
import { BfdState } from '../bfd/wire/constants.js';
import type { BgpSession } from './session.js';

export function coupleBfd(bgp: BgpSession, bfd: BfdSession): () => void {
  const offDown = bfd.on('down', () => {
    // The state the peer sent, not its diagnostic: FRR 8.4 sends AdminDown with Diag 0.
    if (bfd.fsmState.remoteSessionState === BfdState.AdminDown) return;
    bgp.bfdDown();
  });
  const offUp = bfd.on('up', () => bgp.bfdUp());
  return () => {
    offDown();
    offUp();
  };
}
