/**
 * FSM input events, named as in RFC 4271 8.1 (numbers in comments), plus speakersim's
 * BfdUp/BfdDown (RFC 9384) and UpdateSent. The runtime turns socket activity, decoded
 * messages, decode errors and timer expiries into these.
 */
import type { NotificationMessage, OpenMessage, UpdateMessage } from '../wire/types.js';
import type { FamilyNlri } from '../wire/update.js';

/** A NOTIFICATION to send: code, subcode and data, as RFC 4271 4.5 lays it out. */
export interface NotificationToSend {
  code: number;
  subcode: number;
  data: Buffer;
}

export type FsmEvent =
  // 8.1.2 administrative events
  | { type: 'ManualStart' } // 1
  /** 2; `shutdownCommunication` goes into Cease/2 data (RFC 8203, RFC 9003). */
  | { type: 'ManualStop'; shutdownCommunication?: string }
  | { type: 'AutomaticStart' } // 3
  | { type: 'ManualStart_with_PassiveTcpEstablishment' } // 4
  | { type: 'AutomaticStart_with_PassiveTcpEstablishment' } // 5
  | { type: 'AutomaticStart_with_DampPeerOscillations' } // 6
  | { type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' } // 7
  /** 8; `subcode` is the Cease subcode to send (default 0), e.g. 1 for maximum prefixes. */
  | { type: 'AutomaticStop'; subcode?: number }
  // 8.1.3 timer events
  | { type: 'ConnectRetryTimer_Expires' } // 9
  | { type: 'HoldTimer_Expires' } // 10
  | { type: 'KeepaliveTimer_Expires' } // 11
  | { type: 'DelayOpenTimer_Expires' } // 12
  | { type: 'IdleHoldTimer_Expires' } // 13
  // 8.1.4 TCP connection events
  | { type: 'TcpConnection_Valid' } // 14
  | { type: 'Tcp_CR_Invalid' } // 15
  /** 16: our outgoing connection (from ConnectTcp) completed. */
  | { type: 'Tcp_CR_Acked' }
  /** 17: the runtime accepted an incoming connection from this peer for this FSM. */
  | { type: 'TcpConnectionConfirmed' }
  | { type: 'TcpConnectionFails' } // 18
  // 8.1.5 BGP message events
  /** 19: a decoded OPEN; the FSM validates it (RFC 4271 6.2) itself. */
  | { type: 'BGPOpen'; open: OpenMessage }
  /**
   * 20: accepted as a synonym of BGPOpen; the FSM knows whether its DelayOpenTimer runs and
   * applies the event 20 rules on its own, so the runtime may always send BGPOpen.
   */
  | { type: 'BGPOpen_with_DelayOpenTimer_running'; open: OpenMessage }
  /** 21: the header check failed (RFC 4271 6.1); `notification` is what to send. */
  | { type: 'BGPHeaderErr'; notification: NotificationToSend }
  /** 22: the OPEN did not decode (RFC 4271 6.2); `notification` is what to send. */
  | { type: 'BGPOpenMsgErr'; notification: NotificationToSend }
  /** 23: the runtime's collision check (see resolveCollision) chose to drop this connection. */
  | { type: 'OpenCollisionDump' }
  /** 24: a NOTIFICATION with 2/1 Unsupported Version Number. */
  | { type: 'NotifMsgVerErr'; notification: NotificationMessage }
  /** 25: any other NOTIFICATION (a 2/1 sent here is handled as event 24). */
  | { type: 'NotifMsg'; notification: NotificationMessage }
  | { type: 'KeepAliveMsg' } // 26
  /**
   * 27. `withdrawnByError`: the routes RFC 7606 treat-as-withdraw turns into withdrawals (the
   * decoder's verdict), handed on with the UPDATE in DeliverUpdate.
   */
  | { type: 'UpdateMsg'; update: UpdateMessage; withdrawnByError?: FamilyNlri[] }
  /** 28: an UPDATE error that resets the session (RFC 4271 6.3, RFC 7606 "session reset"). */
  | { type: 'UpdateMsgErr'; notification: NotificationToSend }
  // speakersim extensions
  /** The BFD session for this peer went Down (RFC 9384). Closes the gate on starts. */
  | { type: 'BfdDown' }
  /** The BFD session for this peer is Up. Opens the gate and resumes a waiting start. */
  | { type: 'BfdUp' }
  /** The runtime sent an UPDATE: RFC 4271 8.2.2 restarts the KeepaliveTimer then. */
  | { type: 'UpdateSent' };

export type FsmEventType = FsmEvent['type'];

/** Every event type, in RFC 4271 8.1 order then the extensions; for tables and generators. */
export const FSM_EVENT_TYPES: readonly FsmEventType[] = [
  'ManualStart',
  'ManualStop',
  'AutomaticStart',
  'ManualStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_DampPeerOscillations',
  'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
  'AutomaticStop',
  'ConnectRetryTimer_Expires',
  'HoldTimer_Expires',
  'KeepaliveTimer_Expires',
  'DelayOpenTimer_Expires',
  'IdleHoldTimer_Expires',
  'TcpConnection_Valid',
  'Tcp_CR_Invalid',
  'Tcp_CR_Acked',
  'TcpConnectionConfirmed',
  'TcpConnectionFails',
  'BGPOpen',
  'BGPOpen_with_DelayOpenTimer_running',
  'BGPHeaderErr',
  'BGPOpenMsgErr',
  'OpenCollisionDump',
  'NotifMsgVerErr',
  'NotifMsg',
  'KeepAliveMsg',
  'UpdateMsg',
  'UpdateMsgErr',
  'BfdDown',
  'BfdUp',
  'UpdateSent',
];
