import { BfdDiagnostic, BfdState } from '../wire/constants.js';

/**
 * RFC 5880 6.8.6 reception rules for the session state, written out as a literal table of
 * (local state, received remote state) -> what happens, one row per pair (holo-style), so the
 * whole machine can be read and tested row by row.
 *
 * - `discard`: RFC 5880 6.8.6 "If bfd.SessionState is AdminDown: Discard the packet."
 * - `stay`: no transition; the packet is still valid (refreshes the detection timer).
 * - `{ next, diagnostic }`: transition; `diagnostic` is the new bfd.LocalDiag, or `keep`.
 */
export type BfdTransition =
  | { kind: 'discard' }
  | { kind: 'stay' }
  | { kind: 'move'; next: BfdState; diagnostic: BfdDiagnostic | 'keep' };

export interface BfdStateTableRow {
  local: BfdState;
  remote: BfdState;
  transition: BfdTransition;
  /** The sentence of RFC 5880 6.8.6 that the row implements. */
  rfc: string;
}

const { AdminDown, Down, Init, Up } = BfdState;
const discard: BfdTransition = { kind: 'discard' };
const stay: BfdTransition = { kind: 'stay' };

/*
 * Going Up clears bfd.LocalDiag: the RFC leaves the Diag of an Up session open; FRR (and holo)
 * report "No Diagnostic" once Up, and Diag describes "the last change in state".
 */
const up: BfdTransition = { kind: 'move', next: Up, diagnostic: BfdDiagnostic.NoDiagnostic };
const init: BfdTransition = { kind: 'move', next: Init, diagnostic: 'keep' };
const neighborDown: BfdTransition = {
  kind: 'move',
  next: Down,
  diagnostic: BfdDiagnostic.NeighborSignaledSessionDown,
};

export const BFD_STATE_TABLE: readonly BfdStateTableRow[] = [
  { local: AdminDown, remote: AdminDown, transition: discard, rfc: 'AdminDown: discard' },
  { local: AdminDown, remote: Down, transition: discard, rfc: 'AdminDown: discard' },
  { local: AdminDown, remote: Init, transition: discard, rfc: 'AdminDown: discard' },
  { local: AdminDown, remote: Up, transition: discard, rfc: 'AdminDown: discard' },
  {
    local: Down,
    remote: AdminDown,
    transition: stay,
    rfc: 'received AdminDown: only a session that is not Down goes Down',
  },
  { local: Down, remote: Down, transition: init, rfc: 'Down + received Down -> Init' },
  { local: Down, remote: Init, transition: up, rfc: 'Down + received Init -> Up' },
  { local: Down, remote: Up, transition: stay, rfc: 'Down + received Up: no rule, stay Down' },
  {
    local: Init,
    remote: AdminDown,
    transition: neighborDown,
    rfc: 'received AdminDown, not Down -> Down, Diag 3',
  },
  { local: Init, remote: Down, transition: stay, rfc: 'Init + received Down: no rule' },
  { local: Init, remote: Init, transition: up, rfc: 'Init + received Init or Up -> Up' },
  { local: Init, remote: Up, transition: up, rfc: 'Init + received Init or Up -> Up' },
  {
    local: Up,
    remote: AdminDown,
    transition: neighborDown,
    rfc: 'received AdminDown, not Down -> Down, Diag 3',
  },
  {
    local: Up,
    remote: Down,
    transition: neighborDown,
    rfc: 'Up + received Down -> Down, Diag 3',
  },
  { local: Up, remote: Init, transition: stay, rfc: 'Up + received Init: stay Up' },
  { local: Up, remote: Up, transition: stay, rfc: 'Up + received Up: stay Up' },
];

const index = new Map<number, BfdTransition>(
  BFD_STATE_TABLE.map((row) => [row.local * 4 + row.remote, row.transition]),
);

/** Looks up the table; every (local, remote) pair of valid states has exactly one row. */
export function bfdTransition(local: BfdState, remote: BfdState): BfdTransition {
  return index.get(local * 4 + remote) ?? discard;
}
