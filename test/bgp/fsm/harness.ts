/**
 * A test-only runtime: runs FSMs on a ManualClock and joins two of them with an in-memory
 * "TCP" that delivers messages after a fixed latency, in order, with FIN after data. It does
 * what the contract in src/bgp/fsm/index.ts asks of the real session runtime, so scenario
 * tests exercise the FSM the way production will, minus sockets.
 */
import type { Timer } from '../../../src/core/clock.js';
import { ManualClock } from '../../../src/core/clock.js';
import type {
  FsmAction,
  FsmConfig,
  FsmEvent,
  FsmState,
  StateChange,
  TimerName,
} from '../../../src/bgp/fsm/index.js';
import { initialState, step } from '../../../src/bgp/fsm/index.js';

export interface LogEntry {
  at: number;
  event: FsmEvent;
  actions: FsmAction[];
  transition?: StateChange;
}

interface Connection {
  a: Speaker;
  b: Speaker;
  open: boolean;
}

export class Speaker {
  state: FsmState;
  readonly log: LogEntry[] = [];
  private readonly timers = new Map<TimerName, Timer>();
  connection: Connection | undefined;
  /** When false, this speaker's KEEPALIVEs are lost on the way (a one-way black hole). */
  transmitKeepalives = true;
  /** When false, incoming connections are refused like a closed port. */
  listening = true;

  constructor(
    readonly name: string,
    config: FsmConfig,
    private readonly net: Network,
  ) {
    this.state = initialState(config);
  }

  feed(event: FsmEvent): void {
    const result = step(this.state, event);
    this.state = result.state;
    const entry: LogEntry = { at: this.net.clock.now(), event, actions: result.actions };
    if (result.transition) entry.transition = result.transition;
    this.log.push(entry);
    for (const action of result.actions) this.execute(action);
  }

  /** Every action of a given type this speaker performed, with the time it did. */
  actions<T extends FsmAction['type']>(
    type: T,
  ): (Extract<FsmAction, { type: T }> & { at: number })[] {
    return this.log.flatMap((e) =>
      e.actions
        .filter((a): a is Extract<FsmAction, { type: T }> => a.type === type)
        .map((a) => ({ ...a, at: e.at })),
    );
  }

  transitions(): StateChange[] {
    return this.log.flatMap((e) => (e.transition ? [e.transition] : []));
  }

  private execute(action: FsmAction): void {
    switch (action.type) {
      case 'StartTimer': {
        this.timers.get(action.timer)?.cancel();
        const timer = action.timer;
        this.timers.set(
          timer,
          this.net.clock.setTimer(action.ms, () => {
            this.timers.delete(timer);
            this.feed({ type: `${timer}_Expires` } as FsmEvent);
          }),
        );
        return;
      }
      case 'StopTimer':
        this.timers.get(action.timer)?.cancel();
        this.timers.delete(action.timer);
        return;
      case 'ConnectTcp':
        this.net.connect(this);
        return;
      case 'DropTcp':
        this.net.close(this);
        return;
      case 'SendOpen':
        this.net.send(this, { type: 'BGPOpen', open: structuredClone(action.open) });
        return;
      case 'SendKeepalive':
        if (this.transmitKeepalives) this.net.send(this, { type: 'KeepAliveMsg' });
        return;
      case 'SendNotification':
        this.net.send(this, {
          type: 'NotifMsg',
          notification: {
            type: 'NOTIFICATION',
            code: action.code,
            subcode: action.subcode,
            data: Buffer.from(action.data),
          },
        });
        return;
      case 'ReleaseResources':
      case 'DeliverUpdate':
      case 'SessionUp':
      case 'SessionDown':
        return; // recorded in the log; nothing to run
    }
  }
}

/** Two speakers, one clock, one in-memory link with `latencyMs` one-way delay. */
export class Network {
  readonly clock = new ManualClock(0);
  readonly a: Speaker;
  readonly b: Speaker;

  constructor(
    configA: FsmConfig,
    configB: FsmConfig,
    readonly latencyMs = 5,
  ) {
    this.a = new Speaker('a', configA, this);
    this.b = new Speaker('b', configB, this);
  }

  other(s: Speaker): Speaker {
    return s === this.a ? this.b : this.a;
  }

  private later(fn: () => void): void {
    this.clock.setTimer(this.latencyMs, fn);
  }

  /**
   * SYN to the peer: it accepts when it listens and is not Idle (RFC 4271 8.2.2 Idle refuses)
   * and has no connection yet; otherwise the attempt fails.
   */
  connect(from: Speaker): void {
    const to = this.other(from);
    this.later(() => {
      // The FSM already took the peer's connection: this attempt would be a second
      // connection, which the runtime tracks apart (RFC 4271 6.8); here it is abandoned.
      if (from.connection) return;
      const accepts = to.listening && to.state.name !== 'Idle' && !to.connection;
      if (!accepts) {
        from.feed({ type: 'TcpConnectionFails' });
        return;
      }
      const conn: Connection = { a: from, b: to, open: true };
      from.connection = conn;
      to.connection = conn;
      // The SYN-ACK is on its way before the acceptor can send anything on the connection.
      this.later(() => {
        if (conn.open) from.feed({ type: 'Tcp_CR_Acked' });
      });
      to.feed({ type: 'TcpConnectionConfirmed' });
    });
  }

  /** Data on the current connection; lost when there is none. */
  send(from: Speaker, event: FsmEvent): void {
    const conn = from.connection;
    if (!conn || !conn.open) return;
    const to = this.other(from);
    this.later(() => {
      if (to.connection === conn) to.feed(event);
    });
  }

  /** FIN: the other side sees TcpConnectionFails after the data already in flight. */
  close(from: Speaker): void {
    const conn = from.connection;
    if (!conn) return;
    conn.open = false;
    from.connection = undefined;
    const to = this.other(from);
    this.later(() => {
      if (to.connection !== conn) return;
      to.connection = undefined;
      to.feed({ type: 'TcpConnectionFails' });
    });
  }
}
