/**
 * Base class for speakersim's typed errors. Every error has a stable `code`; tests and callers
 * branch on `code` (and protocol numbers), never on message text.
 *
 * One convention for codes: ERR_<AREA>_<WHAT> in capitals (ERR_BGP_HOLD_TIME, ERR_K8S_CONFLICT,
 * ERR_METALLB_PEER_INVALID, ERR_SCENARIO_MISSING_FIELD). What mirrors another program's output
 * (MetalLB's ConfigurationState reasons, Kubernetes Status reasons) is not a code and keeps
 * their spelling. `code` stays a string until src/lab's LAB_<WHAT> codes are renamed too.
 */
export class SpeakersimError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
