/**
 * BgpFramer turns a TCP byte stream into whole BGP messages. It has two parse states: waiting
 * for a full 19-octet header, then waiting for the rest of the message whose length the header
 * announced. The header is checked as soon as it is complete (RFC 4271 6.1 marker and length
 * bounds), so a bad header is reported at once instead of waiting for bytes that never come.
 * After an error the framer stays failed: the session must send the NOTIFICATION and close.
 */
import type { CodecContext } from './types.js';
import { DEFAULT_CONTEXT } from './types.js';
import { BgpWireError } from './errors.js';
import { HEADER_LENGTH, checkHeader, maxMessageLength } from './header.js';

export interface FramerOutput {
  /** Whole messages, header included, in stream order. */
  messages: Buffer[];
  /** Set when the stream broke a header rule; messages before the bad one are still returned. */
  error: BgpWireError | null;
}

export type FramerState = 'header' | 'body' | 'failed';

export class BgpFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the message being collected, known once its header has been checked. */
  private expected = 0;
  private maxLength: number;
  private failure: BgpWireError | null = null;

  constructor(ctx: CodecContext = DEFAULT_CONTEXT) {
    this.maxLength = maxMessageLength(ctx);
  }

  /** Adopt the negotiated context (RFC 8654: the maximum grows after OPEN exchange). */
  setContext(ctx: CodecContext): void {
    this.maxLength = maxMessageLength(ctx);
  }

  get state(): FramerState {
    if (this.failure) return 'failed';
    return this.expected > 0 ? 'body' : 'header';
  }

  /** Octets held that do not yet form a whole message. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): FramerOutput {
    const messages: Buffer[] = [];
    if (this.failure) return { messages, error: this.failure };
    if (chunk.length > 0) {
      this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      this.buffered += chunk.length;
    }
    // Each turn consumes a header or a whole message, so the loop ends when data runs out.
    for (;;) {
      if (this.expected === 0) {
        if (this.buffered < HEADER_LENGTH) break;
        const head = this.peek(HEADER_LENGTH);
        try {
          this.expected = checkHeader(head, 0, this.maxLength);
        } catch (e) {
          if (!(e instanceof BgpWireError)) throw e;
          this.failure = e;
          this.chunks = [];
          this.buffered = 0;
          return { messages, error: e };
        }
      }
      if (this.buffered < this.expected) break;
      messages.push(this.take(this.expected));
      this.expected = 0;
    }
    return { messages, error: null };
  }

  /** The first `n` buffered octets, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0]!.subarray(0, n);
  }

  /** Removes and returns the first `n` buffered octets (a view when they lie in one chunk). */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const use = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, use);
        filled += use;
        if (use === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(use);
      }
    }
    this.buffered -= n;
    return out;
  }
}
