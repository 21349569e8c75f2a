/**
 * RFC 4271 8.2.2 state x event table. Each row: the state to start from (reached by feeding
 * real events to a fresh FSM), one event, then the expected next state, actions in order,
 * transition reason and ConnectRetryCounter. Numbers in comments are RFC 8.1 event numbers.
 */
import { describe, expect, it } from 'vitest';
import type { FsmEvent, FsmState, TransitionReason } from '../../../src/bgp/fsm/index.js';
import { FSM_EVENT_TYPES, initialState, step } from '../../../src/bgp/fsm/index.js';
import { describeAction } from './describe.js';
import { config, notif, peerOpen, run, stateIn } from './fixtures.js';

const err = (
  type: 'BGPHeaderErr' | 'BGPOpenMsgErr' | 'UpdateMsgErr',
  code: number,
  subcode: number,
): FsmEvent => ({ type, notification: { code, subcode, data: Buffer.alloc(0) } }) as FsmEvent;
const update: FsmEvent = {
  type: 'UpdateMsg',
  update: { type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [] },
};

/** Start states. Names with a suffix are variants the RFC text distinguishes. */
const starts: Record<string, () => FsmState> = {
  Idle: () => stateIn('Idle'),
  Connect: () => stateIn('Connect'),
  'Connect/delayOpen': () =>
    run(initialState(config({ delayOpenTimeSeconds: 5 })), [
      { type: 'ManualStart' },
      { type: 'Tcp_CR_Acked' },
    ]).state,
  'Active/passive': () => stateIn('Active'),
  'Active/afterFail': () =>
    run(initialState(config()), [
      { type: 'ManualStart' },
      { type: 'Tcp_CR_Acked' },
      { type: 'TcpConnectionFails' },
    ]).state,
  'Active/delayOpen': () =>
    run(initialState(config({ delayOpenTimeSeconds: 5 })), [
      { type: 'ManualStart_with_PassiveTcpEstablishment' },
      { type: 'TcpConnectionConfirmed' },
    ]).state,
  OpenSent: () => stateIn('OpenSent'),
  OpenConfirm: () => stateIn('OpenConfirm'),
  Established: () => stateIn('Established'),
};

interface Row {
  from: keyof typeof starts;
  event: FsmEvent;
  to: FsmState['name'];
  actions: string[];
  reason?: TransitionReason;
  counter: number;
  /** Feed BfdUp first: BfdDown only acts after BFD has been Up (RFC 9384, as FRR does). */
  bfdWasUp?: boolean;
}

const CR_STOP_DOWN = ['StopTimer:ConnectRetryTimer', 'ReleaseResources', 'DropTcp'];
const HOLD_DOWN = ['StopTimer:HoldTimer', 'ReleaseResources', 'DropTcp'];
const CONFIRM_DOWN = [
  'StopTimer:HoldTimer',
  'StopTimer:KeepaliveTimer',
  'ReleaseResources',
  'DropTcp',
];
const EST_DOWN = [
  'StopTimer:HoldTimer',
  'StopTimer:KeepaliveTimer',
  'SessionDown',
  'ReleaseResources',
  'DropTcp',
];
const unexpected = (event: string): TransitionReason => ({ kind: 'unexpected-event', event });
const sent = (code: number, subcode: number): TransitionReason => ({
  kind: 'notification-sent',
  code,
  subcode,
});
const got = (code: number, subcode: number): TransitionReason => ({
  kind: 'notification-received',
  code,
  subcode,
});

const rows: Row[] = [
  // Idle
  {
    from: 'Idle',
    event: { type: 'ManualStart' },
    to: 'Connect',
    actions: ['StartTimer:ConnectRetryTimer', 'ConnectTcp'],
    reason: 'manual-start',
    counter: 0,
  }, // 1
  {
    from: 'Idle',
    event: { type: 'AutomaticStart' },
    to: 'Connect',
    actions: ['StartTimer:ConnectRetryTimer', 'ConnectTcp'],
    reason: 'automatic-start',
    counter: 0,
  }, // 3
  {
    from: 'Idle',
    event: { type: 'ManualStart_with_PassiveTcpEstablishment' },
    to: 'Active',
    actions: ['StartTimer:ConnectRetryTimer'],
    reason: 'manual-start',
    counter: 0,
  }, // 4
  {
    from: 'Idle',
    event: { type: 'AutomaticStart_with_PassiveTcpEstablishment' },
    to: 'Active',
    actions: ['StartTimer:ConnectRetryTimer'],
    reason: 'automatic-start',
    counter: 0,
  }, // 5
  {
    from: 'Idle',
    event: { type: 'AutomaticStart_with_DampPeerOscillations' },
    to: 'Connect',
    actions: ['StartTimer:ConnectRetryTimer', 'ConnectTcp'],
    reason: 'automatic-start',
    counter: 0,
  }, // 6
  { from: 'Idle', event: { type: 'ManualStop' }, to: 'Idle', actions: [], counter: 0 }, // 2
  { from: 'Idle', event: { type: 'AutomaticStop' }, to: 'Idle', actions: [], counter: 0 }, // 8
  {
    from: 'Idle',
    event: { type: 'ConnectRetryTimer_Expires' },
    to: 'Idle',
    actions: [],
    counter: 0,
  }, // 9 (not armed)
  {
    from: 'Idle',
    event: { type: 'TcpConnectionConfirmed' },
    to: 'Idle',
    actions: ['DropTcp'],
    counter: 0,
  }, // 17 refused
  { from: 'Idle', event: { type: 'Tcp_CR_Acked' }, to: 'Idle', actions: ['DropTcp'], counter: 0 }, // 16 refused
  {
    from: 'Idle',
    event: { type: 'BGPOpen', open: peerOpen() },
    to: 'Idle',
    actions: [],
    counter: 0,
  }, // 19
  { from: 'Idle', event: { type: 'KeepAliveMsg' }, to: 'Idle', actions: [], counter: 0 }, // 26
  { from: 'Idle', event: notif(6, 2), to: 'Idle', actions: [], counter: 0 }, // 25
  { from: 'Idle', event: update, to: 'Idle', actions: [], counter: 0 }, // 27
  { from: 'Idle', event: { type: 'BfdDown' }, to: 'Idle', actions: [], counter: 0 },
  // BFD never Up (peer without BFD): BfdDown leaves the session alone.
  { from: 'Established', event: { type: 'BfdDown' }, to: 'Established', actions: [], counter: 0 },
  { from: 'OpenSent', event: { type: 'BfdDown' }, to: 'OpenSent', actions: [], counter: 0 },

  // Connect
  { from: 'Connect', event: { type: 'ManualStart' }, to: 'Connect', actions: [], counter: 0 }, // 1 ignored
  {
    from: 'Connect',
    event: { type: 'ManualStop' },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: 'admin',
    counter: 0,
  }, // 2
  {
    from: 'Connect',
    event: { type: 'ConnectRetryTimer_Expires' },
    to: 'Connect',
    actions: ['DropTcp', 'StartTimer:ConnectRetryTimer', 'ConnectTcp'],
    counter: 0,
  }, // 9
  {
    from: 'Connect',
    event: { type: 'Tcp_CR_Acked' },
    to: 'OpenSent',
    actions: ['StopTimer:ConnectRetryTimer', 'SendOpen', 'StartTimer:HoldTimer:240000'],
    reason: 'tcp-connected',
    counter: 0,
  }, // 16
  {
    from: 'Connect',
    event: { type: 'TcpConnectionConfirmed' },
    to: 'OpenSent',
    actions: ['StopTimer:ConnectRetryTimer', 'SendOpen', 'StartTimer:HoldTimer:240000'],
    reason: 'tcp-connected',
    counter: 0,
  }, // 17
  {
    from: 'Connect',
    event: { type: 'TcpConnection_Valid' },
    to: 'Connect',
    actions: [],
    counter: 0,
  }, // 14
  { from: 'Connect', event: { type: 'Tcp_CR_Invalid' }, to: 'Connect', actions: [], counter: 0 }, // 15
  {
    from: 'Connect',
    event: { type: 'TcpConnectionFails' },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: 'tcp-failed',
    counter: 0,
  }, // 18
  {
    from: 'Connect',
    event: err('BGPHeaderErr', 1, 2),
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: { kind: 'header-error', code: 1, subcode: 2, sent: false },
    counter: 1,
  }, // 21
  {
    from: 'Connect',
    event: err('BGPOpenMsgErr', 2, 4),
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: { kind: 'open-error', code: 2, subcode: 4, sent: false },
    counter: 1,
  }, // 22
  {
    from: 'Connect',
    event: {
      type: 'NotifMsgVerErr',
      notification: { type: 'NOTIFICATION', code: 2, subcode: 1, data: Buffer.alloc(0) },
    },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: got(2, 1),
    counter: 1,
  }, // 24
  {
    from: 'Connect',
    event: notif(6, 4),
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: got(6, 4),
    counter: 1,
  }, // 25
  {
    from: 'Connect',
    event: { type: 'AutomaticStop' },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: 'automatic-stop',
    counter: 1,
  }, // 8
  {
    from: 'Connect',
    event: { type: 'BGPOpen', open: peerOpen() },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: unexpected('BGPOpen'),
    counter: 1,
  }, // 19
  {
    from: 'Connect',
    event: { type: 'OpenCollisionDump' },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: unexpected('OpenCollisionDump'),
    counter: 1,
  }, // 23
  {
    from: 'Connect',
    event: { type: 'KeepAliveMsg' },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: unexpected('KeepAliveMsg'),
    counter: 1,
  }, // 26
  {
    from: 'Connect',
    event: update,
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: unexpected('UpdateMsg'),
    counter: 1,
  }, // 27
  {
    from: 'Connect',
    event: err('UpdateMsgErr', 3, 1),
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: unexpected('UpdateMsgErr'),
    counter: 1,
  }, // 28
  { from: 'Connect', event: { type: 'HoldTimer_Expires' }, to: 'Connect', actions: [], counter: 0 }, // 10, not armed here
  {
    from: 'Connect',
    event: { type: 'BfdDown' },
    bfdWasUp: true,
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: 'bfd-down',
    counter: 1,
  },

  // Connect with DelayOpenTimer running (DelayOpen = 5 s)
  {
    from: 'Connect/delayOpen',
    event: { type: 'DelayOpenTimer_Expires' },
    to: 'OpenSent',
    actions: ['SendOpen', 'StartTimer:HoldTimer:240000'],
    reason: 'delay-open-expired',
    counter: 0,
  }, // 12
  {
    from: 'Connect/delayOpen',
    event: { type: 'BGPOpen', open: peerOpen() },
    to: 'OpenConfirm',
    actions: [
      'StopTimer:DelayOpenTimer',
      'SendOpen',
      'SendKeepalive',
      'StartTimer:KeepaliveTimer',
      'StartTimer:HoldTimer:90000',
    ],
    reason: 'open-received',
    counter: 0,
  }, // 20
  {
    from: 'Connect/delayOpen',
    event: { type: 'BGPOpen_with_DelayOpenTimer_running', open: peerOpen() },
    to: 'OpenConfirm',
    actions: [
      'StopTimer:DelayOpenTimer',
      'SendOpen',
      'SendKeepalive',
      'StartTimer:KeepaliveTimer',
      'StartTimer:HoldTimer:90000',
    ],
    reason: 'open-received',
    counter: 0,
  }, // 20
  {
    from: 'Connect/delayOpen',
    event: { type: 'BGPOpen', open: peerOpen({ holdTime: 2 }) },
    to: 'Idle',
    actions: ['StopTimer:DelayOpenTimer', 'ReleaseResources', 'DropTcp'],
    reason: { kind: 'open-error', code: 2, subcode: 6, sent: false },
    counter: 1,
  }, // 20 -> 22
  {
    from: 'Connect/delayOpen',
    event: { type: 'TcpConnectionFails' },
    to: 'Active',
    actions: ['StartTimer:ConnectRetryTimer', 'StopTimer:DelayOpenTimer'],
    reason: 'tcp-failed',
    counter: 0,
  }, // 18
  {
    from: 'Connect/delayOpen',
    event: notif(2, 1),
    to: 'Idle',
    actions: ['StopTimer:DelayOpenTimer', 'ReleaseResources', 'DropTcp'],
    reason: got(2, 1),
    counter: 0,
  }, // 24 with DelayOpen: counter kept

  // Active (passive start: ConnectRetryTimer running, listening)
  { from: 'Active/passive', event: { type: 'ManualStart' }, to: 'Active', actions: [], counter: 0 },
  {
    from: 'Active/passive',
    event: { type: 'ManualStop' },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: 'admin',
    counter: 0,
  }, // 2
  {
    from: 'Active/passive',
    event: { type: 'ConnectRetryTimer_Expires' },
    to: 'Active',
    actions: ['StartTimer:ConnectRetryTimer'],
    counter: 0,
  }, // 9, passive never connects
  {
    from: 'Active/passive',
    event: { type: 'TcpConnectionConfirmed' },
    to: 'OpenSent',
    actions: ['StopTimer:ConnectRetryTimer', 'SendOpen', 'StartTimer:HoldTimer:240000'],
    reason: 'tcp-connected',
    counter: 0,
  }, // 17
  {
    from: 'Active/passive',
    event: { type: 'TcpConnectionFails' },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: 'tcp-failed',
    counter: 1,
  }, // 18
  {
    from: 'Active/passive',
    event: err('BGPHeaderErr', 1, 1),
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: { kind: 'header-error', code: 1, subcode: 1, sent: false },
    counter: 1,
  }, // 21
  {
    from: 'Active/passive',
    event: notif(6, 2),
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: got(6, 2),
    counter: 1,
  }, // 25
  {
    from: 'Active/passive',
    event: { type: 'KeepAliveMsg' },
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: unexpected('KeepAliveMsg'),
    counter: 1,
  }, // 26
  {
    from: 'Active/passive',
    event: { type: 'BfdDown' },
    bfdWasUp: true,
    to: 'Idle',
    actions: CR_STOP_DOWN,
    reason: 'bfd-down',
    counter: 1,
  },
  {
    from: 'Active/afterFail',
    event: { type: 'ConnectRetryTimer_Expires' },
    to: 'Connect',
    actions: ['StartTimer:ConnectRetryTimer', 'ConnectTcp'],
    reason: 'connect-retry-expired',
    counter: 0,
  }, // 9
  {
    from: 'Active/delayOpen',
    event: { type: 'DelayOpenTimer_Expires' },
    to: 'OpenSent',
    actions: ['SendOpen', 'StartTimer:HoldTimer:240000'],
    reason: 'delay-open-expired',
    counter: 0,
  }, // 12
  {
    from: 'Active/delayOpen',
    event: { type: 'BGPOpen', open: peerOpen() },
    to: 'OpenConfirm',
    actions: [
      'StopTimer:DelayOpenTimer',
      'SendOpen',
      'SendKeepalive',
      'StartTimer:KeepaliveTimer',
      'StartTimer:HoldTimer:90000',
    ],
    reason: 'open-received',
    counter: 0,
  }, // 20
  {
    from: 'Active/delayOpen',
    event: { type: 'ManualStop' },
    to: 'Idle',
    actions: ['StopTimer:DelayOpenTimer', 'ReleaseResources', 'DropTcp'],
    reason: 'admin',
    counter: 0,
  }, // 2

  // OpenSent (HoldTimer at 4 minutes)
  { from: 'OpenSent', event: { type: 'AutomaticStart' }, to: 'OpenSent', actions: [], counter: 0 },
  {
    from: 'OpenSent',
    event: { type: 'ManualStop' },
    to: 'Idle',
    actions: ['SendNotification:6/2', ...HOLD_DOWN],
    reason: 'admin',
    counter: 0,
  }, // 2
  {
    from: 'OpenSent',
    event: { type: 'AutomaticStop', subcode: 1 },
    to: 'Idle',
    actions: ['SendNotification:6/1', ...HOLD_DOWN],
    reason: 'automatic-stop',
    counter: 1,
  }, // 8
  {
    from: 'OpenSent',
    event: { type: 'HoldTimer_Expires' },
    to: 'Idle',
    actions: ['SendNotification:4/0', 'ReleaseResources', 'DropTcp'],
    reason: 'hold-timer-expired',
    counter: 1,
  }, // 10
  {
    from: 'OpenSent',
    event: { type: 'TcpConnectionConfirmed' },
    to: 'OpenSent',
    actions: [],
    counter: 0,
  }, // 17, second connection
  {
    from: 'OpenSent',
    event: { type: 'TcpConnectionFails' },
    to: 'Active',
    actions: ['DropTcp', 'StopTimer:HoldTimer', 'StartTimer:ConnectRetryTimer'],
    reason: 'tcp-failed',
    counter: 0,
  }, // 18
  {
    from: 'OpenSent',
    event: { type: 'BGPOpen', open: peerOpen() },
    to: 'OpenConfirm',
    actions: ['SendKeepalive', 'StartTimer:KeepaliveTimer', 'StartTimer:HoldTimer:90000'],
    reason: 'open-received',
    counter: 0,
  }, // 19
  {
    from: 'OpenSent',
    event: { type: 'BGPOpen', open: peerOpen({ holdTime: 30 }) },
    to: 'OpenConfirm',
    actions: ['SendKeepalive', 'StartTimer:KeepaliveTimer', 'StartTimer:HoldTimer:30000'],
    reason: 'open-received',
    counter: 0,
  }, // 19, min(90, 30)
  {
    from: 'OpenSent',
    event: { type: 'BGPOpen', open: peerOpen({ holdTime: 0 }) },
    to: 'OpenConfirm',
    actions: ['SendKeepalive', 'StopTimer:HoldTimer'],
    reason: 'open-received',
    counter: 0,
  }, // 19, hold 0: no timers
  {
    from: 'OpenSent',
    event: { type: 'BGPOpen', open: peerOpen({ myAsn: 65000, capabilities: [] }) },
    to: 'Idle',
    actions: ['SendNotification:2/2', ...HOLD_DOWN],
    reason: { kind: 'open-error', code: 2, subcode: 2, sent: true },
    counter: 1,
  }, // 19 -> 22
  {
    from: 'OpenSent',
    event: err('BGPHeaderErr', 1, 2),
    to: 'Idle',
    actions: ['SendNotification:1/2', ...HOLD_DOWN],
    reason: { kind: 'header-error', code: 1, subcode: 2, sent: true },
    counter: 1,
  }, // 21
  {
    from: 'OpenSent',
    event: err('BGPOpenMsgErr', 2, 4),
    to: 'Idle',
    actions: ['SendNotification:2/4', ...HOLD_DOWN],
    reason: { kind: 'open-error', code: 2, subcode: 4, sent: true },
    counter: 1,
  }, // 22
  {
    from: 'OpenSent',
    event: { type: 'OpenCollisionDump' },
    to: 'Idle',
    actions: ['SendNotification:6/7', ...HOLD_DOWN],
    reason: 'collision',
    counter: 1,
  }, // 23
  {
    from: 'OpenSent',
    event: notif(2, 1),
    to: 'Idle',
    actions: HOLD_DOWN,
    reason: got(2, 1),
    counter: 0,
  }, // 24
  {
    from: 'OpenSent',
    event: notif(6, 3),
    to: 'Idle',
    actions: HOLD_DOWN,
    reason: got(6, 3),
    counter: 1,
  }, // 25
  {
    from: 'OpenSent',
    event: { type: 'KeepAliveMsg' },
    to: 'Idle',
    actions: ['SendNotification:5/1', ...HOLD_DOWN],
    reason: sent(5, 1),
    counter: 1,
  }, // 26
  {
    from: 'OpenSent',
    event: update,
    to: 'Idle',
    actions: ['SendNotification:5/1', ...HOLD_DOWN],
    reason: sent(5, 1),
    counter: 1,
  }, // 27
  {
    from: 'OpenSent',
    event: err('UpdateMsgErr', 3, 1),
    to: 'Idle',
    actions: ['SendNotification:5/1', ...HOLD_DOWN],
    reason: sent(5, 1),
    counter: 1,
  }, // 28
  {
    from: 'OpenSent',
    event: { type: 'BfdDown' },
    bfdWasUp: true,
    to: 'Idle',
    actions: ['SendNotification:6/10', ...HOLD_DOWN],
    reason: 'bfd-down',
    counter: 1,
  },

  // OpenConfirm (KeepaliveTimer and HoldTimer at 90 s)
  {
    from: 'OpenConfirm',
    event: { type: 'ManualStart' },
    to: 'OpenConfirm',
    actions: [],
    counter: 0,
  },
  {
    from: 'OpenConfirm',
    event: { type: 'ManualStop' },
    to: 'Idle',
    actions: ['SendNotification:6/2', ...CONFIRM_DOWN],
    reason: 'admin',
    counter: 0,
  }, // 2
  {
    from: 'OpenConfirm',
    event: { type: 'AutomaticStop' },
    to: 'Idle',
    actions: ['SendNotification:6/0', ...CONFIRM_DOWN],
    reason: 'automatic-stop',
    counter: 1,
  }, // 8
  {
    from: 'OpenConfirm',
    event: { type: 'HoldTimer_Expires' },
    to: 'Idle',
    actions: ['SendNotification:4/0', 'StopTimer:KeepaliveTimer', 'ReleaseResources', 'DropTcp'],
    reason: 'hold-timer-expired',
    counter: 1,
  }, // 10
  {
    from: 'OpenConfirm',
    event: { type: 'KeepaliveTimer_Expires' },
    to: 'OpenConfirm',
    actions: ['SendKeepalive', 'StartTimer:KeepaliveTimer'],
    counter: 0,
  }, // 11
  {
    from: 'OpenConfirm',
    event: { type: 'TcpConnectionConfirmed' },
    to: 'OpenConfirm',
    actions: [],
    counter: 0,
  }, // 17
  {
    from: 'OpenConfirm',
    event: { type: 'TcpConnectionFails' },
    to: 'Idle',
    actions: CONFIRM_DOWN,
    reason: 'tcp-failed',
    counter: 1,
  }, // 18
  {
    from: 'OpenConfirm',
    event: { type: 'BGPOpen', open: peerOpen() },
    to: 'Idle',
    actions: ['SendNotification:5/2', ...CONFIRM_DOWN],
    reason: sent(5, 2),
    counter: 1,
  }, // 19 on this connection
  {
    from: 'OpenConfirm',
    event: err('BGPHeaderErr', 1, 3),
    to: 'Idle',
    actions: ['SendNotification:1/3', ...CONFIRM_DOWN],
    reason: { kind: 'header-error', code: 1, subcode: 3, sent: true },
    counter: 1,
  }, // 21
  {
    from: 'OpenConfirm',
    event: err('BGPOpenMsgErr', 2, 4),
    to: 'Idle',
    actions: ['SendNotification:2/4', ...CONFIRM_DOWN],
    reason: { kind: 'open-error', code: 2, subcode: 4, sent: true },
    counter: 1,
  }, // 22
  {
    from: 'OpenConfirm',
    event: { type: 'OpenCollisionDump' },
    to: 'Idle',
    actions: ['SendNotification:6/7', ...CONFIRM_DOWN],
    reason: 'collision',
    counter: 1,
  }, // 23
  {
    from: 'OpenConfirm',
    event: notif(2, 1),
    to: 'Idle',
    actions: CONFIRM_DOWN,
    reason: got(2, 1),
    counter: 0,
  }, // 24
  {
    from: 'OpenConfirm',
    event: notif(6, 2),
    to: 'Idle',
    actions: CONFIRM_DOWN,
    reason: got(6, 2),
    counter: 1,
  }, // 25
  {
    from: 'OpenConfirm',
    event: { type: 'KeepAliveMsg' },
    to: 'Established',
    actions: ['StartTimer:HoldTimer:90000', 'SessionUp'],
    reason: 'keepalive-received',
    counter: 0,
  }, // 26
  {
    from: 'OpenConfirm',
    event: update,
    to: 'Idle',
    actions: ['SendNotification:5/2', ...CONFIRM_DOWN],
    reason: sent(5, 2),
    counter: 1,
  }, // 27
  {
    from: 'OpenConfirm',
    event: err('UpdateMsgErr', 3, 1),
    to: 'Idle',
    actions: ['SendNotification:5/2', ...CONFIRM_DOWN],
    reason: sent(5, 2),
    counter: 1,
  }, // 28
  {
    from: 'OpenConfirm',
    event: { type: 'BfdDown' },
    bfdWasUp: true,
    to: 'Idle',
    actions: ['SendNotification:6/10', ...CONFIRM_DOWN],
    reason: 'bfd-down',
    counter: 1,
  },

  // Established
  {
    from: 'Established',
    event: { type: 'AutomaticStart' },
    to: 'Established',
    actions: [],
    counter: 0,
  },
  {
    from: 'Established',
    event: { type: 'ManualStop' },
    to: 'Idle',
    actions: ['SendNotification:6/2', ...EST_DOWN],
    reason: 'admin',
    counter: 0,
  }, // 2
  {
    from: 'Established',
    event: { type: 'AutomaticStop' },
    to: 'Idle',
    actions: ['SendNotification:6/0', ...EST_DOWN],
    reason: 'automatic-stop',
    counter: 1,
  }, // 8
  {
    from: 'Established',
    event: { type: 'HoldTimer_Expires' },
    to: 'Idle',
    actions: [
      'SendNotification:4/0',
      'StopTimer:KeepaliveTimer',
      'SessionDown',
      'ReleaseResources',
      'DropTcp',
    ],
    reason: 'hold-timer-expired',
    counter: 1,
  }, // 10
  {
    from: 'Established',
    event: { type: 'KeepaliveTimer_Expires' },
    to: 'Established',
    actions: ['SendKeepalive', 'StartTimer:KeepaliveTimer'],
    counter: 0,
  }, // 11
  {
    from: 'Established',
    event: { type: 'TcpConnectionConfirmed' },
    to: 'Established',
    actions: [],
    counter: 0,
  }, // 17
  {
    from: 'Established',
    event: { type: 'TcpConnectionFails' },
    to: 'Idle',
    actions: EST_DOWN,
    reason: 'tcp-failed',
    counter: 1,
  }, // 18
  {
    from: 'Established',
    event: { type: 'BGPOpen', open: peerOpen() },
    to: 'Idle',
    actions: ['SendNotification:5/3', ...EST_DOWN],
    reason: sent(5, 3),
    counter: 1,
  }, // 19
  {
    from: 'Established',
    event: err('BGPHeaderErr', 1, 2),
    to: 'Idle',
    actions: ['SendNotification:1/2', ...EST_DOWN],
    reason: { kind: 'header-error', code: 1, subcode: 2, sent: true },
    counter: 1,
  }, // 21
  {
    from: 'Established',
    event: err('BGPOpenMsgErr', 2, 4),
    to: 'Idle',
    actions: ['SendNotification:5/3', ...EST_DOWN],
    reason: sent(5, 3),
    counter: 1,
  }, // 22
  {
    from: 'Established',
    event: { type: 'OpenCollisionDump' },
    to: 'Idle',
    actions: ['SendNotification:6/7', ...EST_DOWN],
    reason: 'collision',
    counter: 1,
  }, // 23
  {
    from: 'Established',
    event: notif(2, 1),
    to: 'Idle',
    actions: EST_DOWN,
    reason: got(2, 1),
    counter: 1,
  }, // 24
  {
    from: 'Established',
    event: notif(6, 4),
    to: 'Idle',
    actions: EST_DOWN,
    reason: got(6, 4),
    counter: 1,
  }, // 25
  {
    from: 'Established',
    event: { type: 'KeepAliveMsg' },
    to: 'Established',
    actions: ['StartTimer:HoldTimer:90000'],
    counter: 0,
  }, // 26
  {
    from: 'Established',
    event: update,
    to: 'Established',
    actions: ['DeliverUpdate', 'StartTimer:HoldTimer:90000'],
    counter: 0,
  }, // 27
  {
    from: 'Established',
    event: err('UpdateMsgErr', 3, 1),
    to: 'Idle',
    actions: ['SendNotification:3/1', ...EST_DOWN],
    reason: sent(3, 1),
    counter: 1,
  }, // 28
  {
    from: 'Established',
    event: { type: 'UpdateSent' },
    to: 'Established',
    actions: ['StartTimer:KeepaliveTimer'],
    counter: 0,
  },
  {
    from: 'Established',
    event: { type: 'BfdDown' },
    bfdWasUp: true,
    to: 'Idle',
    actions: ['SendNotification:6/10', ...EST_DOWN],
    reason: 'bfd-down',
    counter: 1,
  },
  { from: 'Established', event: { type: 'BfdUp' }, to: 'Established', actions: [], counter: 0 },
];

/** Row names: the event type plus what tells rows with the same type apart. */
function eventLabel(e: FsmEvent): string {
  if ('notification' in e) return `${e.type}(${e.notification.code}/${e.notification.subcode})`;
  if ('open' in e)
    return `${e.type}(v${e.open.version} AS ${e.open.myAsn} hold ${e.open.holdTime})`;
  if (e.type === 'AutomaticStop' && e.subcode !== undefined) return `${e.type}(${e.subcode})`;
  return e.type;
}

describe('RFC 4271 8.2.2 state x event table', () => {
  it.each(rows.map((r) => [`${r.from} + ${eventLabel(r.event)} -> ${r.to}`, r] as const))(
    '%s',
    (_name, row) => {
      const fresh = starts[row.from]!();
      const before = row.bfdWasUp ? step(fresh, { type: 'BfdUp' }).state : fresh;
      const result = step(before, row.event);
      expect(result.state.name).toBe(row.to);
      expect(result.actions.map(describeAction)).toEqual(row.actions);
      expect(result.state.connectRetryCounter).toBe(row.counter);
      if (row.to === before.name) {
        expect(result.transition).toBeUndefined();
      } else {
        expect(result.transition).toEqual({ from: before.name, to: row.to, reason: row.reason });
        expect(result.state.lastChange).toEqual(result.transition);
      }
    },
  );

  it('covers every session state as a start and every RFC event somewhere', () => {
    const fromStates = new Set(rows.map((r) => starts[r.from]!().name));
    expect([...fromStates].sort()).toEqual([
      'Active',
      'Connect',
      'Established',
      'Idle',
      'OpenConfirm',
      'OpenSent',
    ]);
    const seen = new Set(rows.map((r) => r.event.type));
    for (const t of [
      'ManualStart',
      'ManualStop',
      'AutomaticStop',
      'ConnectRetryTimer_Expires',
      'HoldTimer_Expires',
      'KeepaliveTimer_Expires',
      'DelayOpenTimer_Expires',
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
    ])
      expect(seen.has(t as FsmEvent['type'])).toBe(true);
  });

  it('leaves the input state untouched (step is pure)', () => {
    const before = stateIn('Established');
    const snapshot = structuredClone({ ...before, config: undefined });
    step(before, { type: 'HoldTimer_Expires' });
    expect({ ...before, config: undefined }).toEqual(snapshot);
  });
});

/** One event of every type, with a plausible payload. */
function sample(type: FsmEvent['type']): FsmEvent {
  const n = { code: 6, subcode: 4, data: Buffer.alloc(0) };
  switch (type) {
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
      return { type, open: peerOpen() };
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
    case 'UpdateMsgErr':
      return { type, notification: n };
    case 'NotifMsg':
    case 'NotifMsgVerErr':
      return { type, notification: { type: 'NOTIFICATION', ...n } };
    case 'UpdateMsg':
      return update;
    default:
      return { type } as FsmEvent;
  }
}

describe('whole-table sweeps (every start state x every event type)', () => {
  const startEvents = new Set([
    'ManualStart',
    'AutomaticStart',
    'ManualStart_with_PassiveTcpEstablishment',
    'AutomaticStart_with_PassiveTcpEstablishment',
    'AutomaticStart_with_DampPeerOscillations',
    'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
  ]);

  it.each(Object.keys(starts))(
    '%s: start events are ignored outside Idle (RFC 4271 8.2.2)',
    (from) => {
      const before = starts[from]!();
      for (const type of FSM_EVENT_TYPES.filter((t) => startEvents.has(t))) {
        const r = step(before, sample(type));
        if (before.name === 'Idle') {
          expect(r.state.name).not.toBe('Idle');
        } else {
          expect(r.actions).toEqual([]);
          expect(r.state).toEqual(before);
        }
      }
    },
  );

  it.each(Object.keys(starts))('%s: every event gives a deterministic result', (from) => {
    for (const type of FSM_EVENT_TYPES) {
      const a = step(starts[from]!(), sample(type));
      const b = step(starts[from]!(), sample(type));
      expect(a.actions).toEqual(b.actions);
      expect(a.state.name).toBe(b.state.name);
      expect(a.transition).toEqual(b.transition);
    }
  });

  it('Idle: no message, TCP or timer event leaves Idle (RFC 4271 8.2.2 events 9-12, 15-28)', () => {
    const before = starts.Idle!();
    for (const type of FSM_EVENT_TYPES.filter((t) => !startEvents.has(t))) {
      const r = step(before, sample(type));
      expect(r.state.name).toBe('Idle');
      expect(r.actions.every((a) => a.type === 'DropTcp')).toBe(true);
    }
  });
});
