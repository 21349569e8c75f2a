/**
 * Property tests (fast-check): random event sequences, including malformed OPENs, stray
 * timer expiries and odd NOTIFICATIONs, never throw, always leave a consistent state, and
 * never reach Established without OPEN sent, OPEN received and KEEPALIVE received.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/core/random.js';
import type { FsmEvent, FsmState, TimerName } from '../../../src/bgp/fsm/index.js';
import {
  FSM_EVENT_TYPES,
  SESSION_STATE_NAMES,
  TIMER_NAMES,
  initialState,
  step,
} from '../../../src/bgp/fsm/index.js';
import type { OpenMessage } from '../../../src/bgp/wire/types.js';
import type { Reachable } from './fixtures.js';
import { config, peerOpen, run, stateIn } from './fixtures.js';

const simple = (type: FsmEvent['type']) => fc.constant({ type } as FsmEvent);
const buf = fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a));
const notification = fc.record({
  code: fc.integer({ min: 0, max: 255 }),
  subcode: fc.integer({ min: 0, max: 255 }),
  data: buf,
});

const openArb: fc.Arbitrary<OpenMessage> = fc.oneof(
  { arbitrary: fc.constant(peerOpen()), weight: 4 },
  {
    arbitrary: fc
      .record({
        version: fc.integer({ min: 0, max: 255 }),
        myAsn: fc.integer({ min: 0, max: 0xffff }),
        holdTime: fc.integer({ min: 0, max: 0xffff }),
        bgpId: fc.oneof(fc.ipV4(), fc.constant('0.0.0.0'), fc.string({ maxLength: 16 })),
      })
      .map((o) => peerOpen(o)),
    weight: 1,
  },
);

const eventArb: fc.Arbitrary<FsmEvent> = fc.oneof(
  { arbitrary: simple('ManualStart'), weight: 3 },
  { arbitrary: simple('AutomaticStart'), weight: 3 },
  { arbitrary: simple('ManualStart_with_PassiveTcpEstablishment'), weight: 1 },
  { arbitrary: simple('AutomaticStart_with_PassiveTcpEstablishment'), weight: 1 },
  { arbitrary: simple('AutomaticStart_with_DampPeerOscillations'), weight: 1 },
  {
    arbitrary: simple('AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment'),
    weight: 1,
  },
  {
    arbitrary: fc
      .option(fc.string({ maxLength: 300 }), { nil: undefined })
      .map((s) => ({ type: 'ManualStop', shutdownCommunication: s }) as FsmEvent),
    weight: 1,
  },
  {
    arbitrary: fc
      .option(fc.integer({ min: -5, max: 300 }), { nil: undefined })
      .map((subcode) => ({ type: 'AutomaticStop', subcode }) as FsmEvent),
    weight: 1,
  },
  { arbitrary: simple('ConnectRetryTimer_Expires'), weight: 2 },
  { arbitrary: simple('HoldTimer_Expires'), weight: 1 },
  { arbitrary: simple('KeepaliveTimer_Expires'), weight: 2 },
  { arbitrary: simple('DelayOpenTimer_Expires'), weight: 2 },
  { arbitrary: simple('IdleHoldTimer_Expires'), weight: 2 },
  { arbitrary: simple('TcpConnection_Valid'), weight: 1 },
  { arbitrary: simple('Tcp_CR_Invalid'), weight: 1 },
  { arbitrary: simple('Tcp_CR_Acked'), weight: 4 },
  { arbitrary: simple('TcpConnectionConfirmed'), weight: 3 },
  { arbitrary: simple('TcpConnectionFails'), weight: 1 },
  { arbitrary: openArb.map((open) => ({ type: 'BGPOpen', open }) as FsmEvent), weight: 5 },
  {
    arbitrary: openArb.map(
      (open) => ({ type: 'BGPOpen_with_DelayOpenTimer_running', open }) as FsmEvent,
    ),
    weight: 1,
  },
  {
    arbitrary: notification.map((n) => ({ type: 'BGPHeaderErr', notification: n }) as FsmEvent),
    weight: 1,
  },
  {
    arbitrary: notification.map((n) => ({ type: 'BGPOpenMsgErr', notification: n }) as FsmEvent),
    weight: 1,
  },
  { arbitrary: simple('OpenCollisionDump'), weight: 1 },
  {
    arbitrary: notification.map(
      (n) => ({ type: 'NotifMsg', notification: { type: 'NOTIFICATION', ...n } }) as FsmEvent,
    ),
    weight: 1,
  },
  {
    arbitrary: notification.map(
      (n) => ({ type: 'NotifMsgVerErr', notification: { type: 'NOTIFICATION', ...n } }) as FsmEvent,
    ),
    weight: 1,
  },
  { arbitrary: simple('KeepAliveMsg'), weight: 6 },
  {
    arbitrary: fc.constant({
      type: 'UpdateMsg',
      update: { type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [] },
    } as FsmEvent),
    weight: 2,
  },
  {
    arbitrary: notification.map((n) => ({ type: 'UpdateMsgErr', notification: n }) as FsmEvent),
    weight: 1,
  },
  { arbitrary: simple('BfdDown'), weight: 1 },
  { arbitrary: simple('BfdUp'), weight: 2 },
  { arbitrary: simple('UpdateSent'), weight: 1 },
  // Not events at all: a runtime bug must not crash the FSM either.
  { arbitrary: fc.constant({ type: 'NoSuchEvent' } as unknown as FsmEvent), weight: 1 },
);

/**
 * Runs of events that make progress (start, connect, OPEN, KEEPALIVE, maybe a DelayOpen
 * expiry), cut short at random, so sequences get past OpenSent often enough to matter.
 */
const handshakeArb: fc.Arbitrary<FsmEvent[]> = fc
  .tuple(
    fc.constantFrom<FsmEvent>(
      { type: 'AutomaticStart' },
      { type: 'ManualStart' },
      { type: 'BfdUp' },
    ),
    fc.constantFrom<FsmEvent>({ type: 'Tcp_CR_Acked' }, { type: 'TcpConnectionConfirmed' }),
    fc.constantFrom<FsmEvent>({ type: 'DelayOpenTimer_Expires' }, { type: 'KeepAliveMsg' }),
    openArb.map((open) => ({ type: 'BGPOpen', open }) as FsmEvent),
    fc.constant<FsmEvent>({ type: 'KeepAliveMsg' }),
    fc.integer({ min: 2, max: 5 }),
  )
  .map(([a, b, c, d, e, n]) => [a, b, c, d, e].slice(0, n));

const sequenceArb: fc.Arbitrary<FsmEvent[]> = fc
  .array(
    fc.oneof(
      { arbitrary: eventArb.map((e) => [e]), weight: 6 },
      { arbitrary: handshakeArb, weight: 2 },
    ),
    { maxLength: 30 },
  )
  .map((chunks) => chunks.flat());

const configArb = fc.record({
  seed: fc.integer(),
  delayOpen: fc.constantFrom(0, 5),
  hold: fc.constantFrom(0, 3, 90),
  passive: fc.boolean(),
  damp: fc.boolean(),
  sendWithoutOpen: fc.boolean(),
  waitForBfd: fc.boolean(),
});

type TestConfig = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

/** Which timers may run in which state (ours: RFC 4271 8.2.2 as implemented). */
const TIMER_STATES: Record<TimerName, FsmState['name'][]> = {
  ConnectRetryTimer: ['Connect', 'Active'],
  DelayOpenTimer: ['Connect', 'Active'],
  HoldTimer: ['OpenSent', 'OpenConfirm', 'Established'],
  KeepaliveTimer: ['OpenConfirm', 'Established'],
  IdleHoldTimer: ['Idle'],
};

/** Plain checks: this runs ~10^6 times, so it avoids expect()'s per-call cost. */
function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(`property violated: ${what}`);
}

/** Runs one sequence, checking every step; returns how many times Established was entered. */
function checkSequence(c: TestConfig, events: FsmEvent[]): number {
  let state = initialState(
    config({
      random: new SeededRandom(c.seed),
      delayOpenTimeSeconds: c.delayOpen,
      holdTimeSeconds: c.hold,
      passive: c.passive,
      dampPeerOscillations: c.damp,
      sendNotificationWithoutOpen: c.sendWithoutOpen,
      waitForBfd: c.waitForBfd,
    }),
  );
  // What the runtime would believe from the actions alone.
  const armed = new Set<TimerName>();
  let openSent = false;
  let openReceived = false;
  let keepaliveReceived = false;
  let established = 0;
  for (const event of events) {
    const before = state;
    const r = step(state, event);
    state = r.state;

    // A valid state.
    must(SESSION_STATE_NAMES.includes(state.name), 'state name');
    must(Number.isInteger(state.connectRetryCounter) && state.connectRetryCounter >= 0, 'counter');
    for (const t of TIMER_NAMES)
      must(!state.timers[t] || TIMER_STATES[t].includes(state.name), `${t} in ${state.name}`);
    must(
      (state.negotiated !== undefined) ===
        (state.name === 'OpenConfirm' || state.name === 'Established'),
      'negotiated only in OpenConfirm/Established',
    );
    must(!state.pendingStart || state.name === 'Idle', 'pendingStart only in Idle');

    // The timer bookkeeping matches what the actions told the runtime.
    if (event.type.endsWith('_Expires'))
      armed.delete(event.type.replace('_Expires', '') as TimerName);
    for (const a of r.actions) {
      if (a.type === 'StartTimer') {
        armed.add(a.timer);
        must(Number.isInteger(a.ms) && a.ms >= 0, 'timer ms');
      }
      if (a.type === 'StopTimer') armed.delete(a.timer);
    }
    for (const t of TIMER_NAMES) must(state.timers[t] === armed.has(t), `${t} bookkeeping`);

    // Transitions carry a reason and bracket Established with SessionUp/SessionDown.
    if (r.transition) {
      must(r.transition.from === before.name && r.transition.to === state.name, 'transition ends');
      must(r.transition.reason !== undefined, 'reason');
    } else {
      must(state.name === before.name, 'state change without transition');
    }
    const ups = r.actions.filter((a) => a.type === 'SessionUp').length;
    const downs = r.actions.filter((a) => a.type === 'SessionDown').length;
    must(
      ups === (before.name !== 'Established' && state.name === 'Established' ? 1 : 0),
      'SessionUp',
    );
    must(
      downs === (before.name === 'Established' && state.name !== 'Established' ? 1 : 0),
      'SessionDown',
    );
    if (before.name !== 'Idle' && state.name === 'Idle') {
      // Going down ends with DropTcp; only the automatic restart's timer may follow.
      const drop = r.actions.findIndex((a) => a.type === 'DropTcp');
      must(drop >= 0, 'DropTcp on the way down');
      for (const a of r.actions.slice(drop + 1))
        must(
          a.type === 'StartTimer' && a.timer === 'IdleHoldTimer',
          'only IdleHoldTimer after DropTcp',
        );
    }

    // The handshake, as seen from outside.
    if (state.name === 'Idle') {
      openSent = openReceived = keepaliveReceived = false;
      continue;
    }
    if (r.actions.some((a) => a.type === 'SendOpen')) openSent = true;
    const isOpen = event.type === 'BGPOpen' || event.type === 'BGPOpen_with_DelayOpenTimer_running';
    if (isOpen && state.name === 'OpenConfirm') openReceived = true;
    if (event.type === 'KeepAliveMsg') keepaliveReceived = true;
    if (state.name === 'Established' && before.name !== 'Established') {
      must(openSent && openReceived && keepaliveReceived, 'Established without the full handshake');
      established++;
    }
  }
  return established;
}

describe('FSM properties', () => {
  it('random event sequences: no throw, consistent state, Established only after the handshake', () => {
    let reachedEstablished = 0;
    fc.assert(
      fc.property(configArb, sequenceArb, (c, events) => {
        reachedEstablished += checkSequence(c, events);
      }),
      { numRuns: 1000, seed: 4271 },
    );
    // The generator is useful only if it actually gets sessions up.
    expect(reachedEstablished).toBeGreaterThan(50);
  });

  it('step never throws on known event types with garbage payloads', () => {
    const payload = fc.oneof(
      fc.anything(),
      fc.record({
        capabilities: fc.array(fc.anything(), { maxLength: 3 }),
        version: fc.constant(4),
      }),
      fc.record({
        capabilities: fc.array(
          fc.record({
            kind: fc.constantFrom('add-path', 'graceful-restart', 'multiprotocol', 'four-octet-as'),
            families: fc.anything(),
            asn: fc.anything(),
          }),
          { maxLength: 3 },
        ),
        version: fc.constant(4),
        myAsn: fc.constant(64513),
        holdTime: fc.constant(90),
        bgpId: fc.constant('198.18.0.2'),
      }),
    );
    const garbage = fc
      .record(
        {
          type: fc.constantFrom(...FSM_EVENT_TYPES),
          open: payload,
          notification: payload,
          update: payload,
          subcode: fc.anything(),
          shutdownCommunication: fc.anything(),
        },
        { requiredKeys: ['type'] },
      )
      .map((x) => x as unknown as FsmEvent);
    fc.assert(
      fc.property(
        fc.constantFrom<Reachable | 'Connect/delayOpen'>(
          'Idle',
          'Connect',
          'Active',
          'OpenSent',
          'OpenConfirm',
          'Established',
          'Connect/delayOpen',
        ),
        garbage,
        (name, ev) => {
          // DelayOpenTimer running: the state where BGPOpen takes the event 20 path.
          const s =
            name === 'Connect/delayOpen'
              ? run(initialState(config({ delayOpenTimeSeconds: 5 })), [
                  { type: 'ManualStart' },
                  { type: 'Tcp_CR_Acked' },
                ]).state
              : stateIn(name);
          expect(() => step(s, ev)).not.toThrow();
        },
      ),
      { numRuns: 800, seed: 7606 },
    );
  });

  it('step never throws on garbage payloads', () => {
    const garbage = fc.anything().map((x) => x as unknown as FsmEvent);
    fc.assert(
      fc.property(
        fc.constantFrom('Idle', 'Connect', 'OpenSent', 'OpenConfirm', 'Established'),
        garbage,
        (name, ev) => {
          const paths: Record<string, FsmEvent[]> = {
            Idle: [],
            Connect: [{ type: 'ManualStart' }],
            OpenSent: [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked' }],
            OpenConfirm: [
              { type: 'ManualStart' },
              { type: 'Tcp_CR_Acked' },
              { type: 'BGPOpen', open: peerOpen() },
            ],
            Established: [
              { type: 'ManualStart' },
              { type: 'Tcp_CR_Acked' },
              { type: 'BGPOpen', open: peerOpen() },
              { type: 'KeepAliveMsg' },
            ],
          };
          let s = initialState(config());
          for (const e of paths[name]!) s = step(s, e).state;
          expect(() => step(s, ev)).not.toThrow();
        },
      ),
      { numRuns: 500, seed: 6608 },
    );
  });
});
