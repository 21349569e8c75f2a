/**
 * Base class for speakersim's typed errors. Every error has a stable `code`; tests and callers
 * branch on `code` (and protocol numbers), never on message text.
 */
export class SpeakersimError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
