import { BfdDiagnostic, BfdState } from './wire/constants.js';

/**
 * The one table of names a BFD state goes by: the RFC 5880 4.1 name, FRR's `show bfd peers
 * json` status and FRR's `show bgp neighbors json` peerBfdInfo.status. Every view (builtin
 * router, timeline, MetalLB status) reads it from here instead of keeping its own copy.
 */
export interface BfdStateNames {
  /** RFC 5880 4.1 state name. */
  name: 'AdminDown' | 'Down' | 'Init' | 'Up';
  /** FRR bfdd `show bfd peers json` "status". */
  frrPeer: 'shutdown' | 'down' | 'init' | 'up';
  /** FRR bgpd `show bgp neighbors json` peerBfdInfo "status". */
  frrNeighbor: 'Admin Down' | 'Down' | 'Init' | 'Up';
}

export const BFD_STATE_NAMES: Readonly<Record<BfdState, BfdStateNames>> = {
  [BfdState.AdminDown]: { name: 'AdminDown', frrPeer: 'shutdown', frrNeighbor: 'Admin Down' },
  [BfdState.Down]: { name: 'Down', frrPeer: 'down', frrNeighbor: 'Down' },
  [BfdState.Init]: { name: 'Init', frrPeer: 'init', frrNeighbor: 'Init' },
  [BfdState.Up]: { name: 'Up', frrPeer: 'up', frrNeighbor: 'Up' },
};

/** FRR's `show bfd peers json` "diagnostic" text per RFC 5880 4.1 Diag value. */
export const BFD_DIAGNOSTIC_TEXT: Readonly<Record<BfdDiagnostic, string>> = {
  [BfdDiagnostic.NoDiagnostic]: 'ok',
  [BfdDiagnostic.ControlDetectionTimeExpired]: 'control detection time expired',
  [BfdDiagnostic.EchoFunctionFailed]: 'echo function failed',
  [BfdDiagnostic.NeighborSignaledSessionDown]: 'neighbor signaled session down',
  [BfdDiagnostic.ForwardingPlaneReset]: 'forwarding plane reset',
  [BfdDiagnostic.PathDown]: 'path down',
  [BfdDiagnostic.ConcatenatedPathDown]: 'concatenated path down',
  [BfdDiagnostic.AdministrativelyDown]: 'administratively down',
  [BfdDiagnostic.ReverseConcatenatedPathDown]: 'reverse concatenated path down',
};
