/** RFC 4271 8.1.2 start events and the attributes each one sets. */
import type { FsmEventType } from './events.js';

export interface StartKind {
  /** PassiveTcpEstablishment; undefined means "use the configured default". */
  passive: boolean | undefined;
  /** AllowAutomaticStart. */
  automatic: boolean;
}

const START_EVENTS: Partial<Record<FsmEventType, StartKind>> = {
  ManualStart: { passive: undefined, automatic: false },
  AutomaticStart: { passive: undefined, automatic: true },
  ManualStart_with_PassiveTcpEstablishment: { passive: true, automatic: false },
  AutomaticStart_with_PassiveTcpEstablishment: { passive: true, automatic: true },
  AutomaticStart_with_DampPeerOscillations: { passive: undefined, automatic: true },
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: {
    passive: true,
    automatic: true,
  },
};

/** The start attributes of `type`, or undefined when it is not a start event (1, 3-7). */
export function startKind(type: FsmEventType): StartKind | undefined {
  return START_EVENTS[type];
}
