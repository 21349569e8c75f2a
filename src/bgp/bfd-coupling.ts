/**
 * BFD beside a BGP session (RFC 5882, RFC 9384), as FRR's `neighbor X bfd` does it:
 *
 * - BFD Up -> Down (detection time expired, path down): the BGP session is torn down with
 *   NOTIFICATION Cease / 10 "BFD Down" (RFC 9384 4) and every start waits until BFD is Up
 *   again (the FSM's BFD gate; see src/bgp/fsm/step.ts for the FRR behaviour it follows).
 * - The peer takes BFD administratively down: the local session goes Down with diagnostic 3
 *   (Neighbor Signaled Session Down), but RFC 5882 3.2 says a session that goes down because
 *   the remote system signalled AdminDown (its State field, whatever its Diag) MUST NOT be
 *   taken as a forwarding failure, so BGP stays up. The status still reports BFD Down.
 * - Leaving a local AdminDown lands in Down too, but that is no failure either.
 * - BFD Up: the gate opens and a waiting start goes ahead.
 *
 * A pure decision: Neighbor (neighbor.ts) applies it, after its listeners saw the change.
 */
import type { BfdStateChangeEvent } from '../bfd/events.js';
import { BfdState } from '../bfd/wire/constants.js';

export type BfdCouplingAction = 'bfdDown' | 'bfdUp' | undefined;

export function bfdCoupling(
  change: Pick<BfdStateChangeEvent, 'from' | 'to'>,
  remoteState: BfdState,
): BfdCouplingAction {
  if (change.to === BfdState.Up) return 'bfdUp';
  if (change.to !== BfdState.Down || change.from === BfdState.AdminDown) return undefined;
  // The state the peer sent, not its diagnostic: FRR 8.4 sends AdminDown with Diag 0.
  if (remoteState === BfdState.AdminDown) return undefined;
  return 'bfdDown';
}
