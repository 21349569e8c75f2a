import type { BfdDiagnostic, BfdState } from './wire/constants.js';
import type { BfdDiscardReason } from './wire/discard.js';

/** Typed events a BFD session emits (see BfdSession.on). */
export interface BfdSessionEvents {
  /** Every state change, with the local diagnostic that explains it (RFC 5880 4.1). */
  stateChange: (event: BfdStateChangeEvent) => void;
  up: (event: BfdStateChangeEvent) => void;
  /** Down from Init or Up: diagnostic 1 (detection time expired) or 3 (neighbor down). */
  down: (event: BfdStateChangeEvent) => void;
  init: (event: BfdStateChangeEvent) => void;
  adminDown: (event: BfdStateChangeEvent) => void;
  discard: (reason: BfdDiscardReason) => void;
  pollComplete: () => void;
}

export interface BfdStateChangeEvent {
  from: BfdState;
  to: BfdState;
  diagnostic: BfdDiagnostic;
  /** The peer's last Diag field (RFC 5880 4.1), e.g. 7 when it went AdminDown. */
  remoteDiagnostic: BfdDiagnostic;
  /** Clock ms (monotonic) and wall-clock ms of the change. */
  at: number;
  wallAt: number;
}

/** A small typed emitter: listener errors are caught and counted, never thrown into the FSM. */
export class TypedEmitter<E extends { [K in keyof E]: (...args: never[]) => void }> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();
  listenerErrors = 0;

  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch {
        this.listenerErrors++;
      }
    }
  }
}
