/**
 * The working copy of one step: a copy of the state being edited and the actions collected so
 * far, in order. Handlers describe what the RFC says happens; this keeps the bookkeeping
 * (which timers run, what changed state and why) in one place.
 */
import type { FsmAction, TimerName } from './actions.js';
import { TIMER_NAMES } from './actions.js';
import type { ResolvedFsmConfig } from './config.js';
import type { NotificationToSend } from './events.js';
import type { TransitionReason } from './reasons.js';
import type { FsmState, SessionStateName, StateChange } from './state.js';

export interface StepResult {
  state: FsmState;
  /** What the runtime must do, in order. */
  actions: FsmAction[];
  /** Present when the session state changed in this step. */
  transition?: StateChange;
}

type Draft = { -readonly [K in keyof FsmState]: FsmState[K] } & {
  timers: Record<TimerName, boolean>;
};

export class Transition {
  private readonly draft: Draft;
  private readonly actions: FsmAction[] = [];
  private change: StateChange | undefined;

  constructor(readonly before: FsmState) {
    this.draft = { ...before, timers: { ...before.timers } };
  }

  get state(): FsmState {
    return this.draft;
  }

  get config(): ResolvedFsmConfig {
    return this.draft.config;
  }

  /** Edits state fields other than the session state name and timers. */
  update(patch: Partial<Omit<FsmState, 'name' | 'timers' | 'config'>>): void {
    Object.assign(this.draft, patch);
  }

  /** Removes optional fields (`undefined` would still show up as a key). */
  clear(...keys: ('pendingStart' | 'connectionOrigin' | 'peerOpen' | 'negotiated')[]): void {
    for (const key of keys) delete this.draft[key];
  }

  isRunning(timer: TimerName): boolean {
    return this.draft.timers[timer];
  }

  /** Timer fired: it no longer runs (all FSM timers are one-shot). */
  expired(timer: TimerName): void {
    this.draft.timers[timer] = false;
  }

  startTimer(timer: TimerName, ms: number): void {
    this.draft.timers[timer] = true;
    this.actions.push({ type: 'StartTimer', timer, ms });
  }

  /** RFC wording "stops the timer" / "sets the timer to zero"; silent when not running. */
  stopTimer(timer: TimerName): void {
    if (!this.draft.timers[timer]) return;
    this.draft.timers[timer] = false;
    this.actions.push({ type: 'StopTimer', timer });
  }

  stopAllTimers(except?: TimerName): void {
    for (const t of TIMER_NAMES) if (t !== except) this.stopTimer(t);
  }

  emit(action: FsmAction): void {
    this.actions.push(action);
  }

  sendNotification(n: NotificationToSend): void {
    this.actions.push({ type: 'SendNotification', code: n.code, subcode: n.subcode, data: n.data });
  }

  moveTo(name: SessionStateName, reason: TransitionReason): void {
    const from = this.change?.from ?? this.before.name;
    this.draft.name = name;
    this.change = from === name ? undefined : { from, to: name, reason };
    if (this.change) this.draft.lastChange = this.change;
  }

  result(): StepResult {
    const out: StepResult = { state: this.draft, actions: this.actions };
    if (this.change) out.transition = this.change;
    return out;
  }
}
