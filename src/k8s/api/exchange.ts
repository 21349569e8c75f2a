/**
 * What verb dispatch (dispatch.ts) reads of a request and writes to its answer: the part of
 * node:http's IncomingMessage and ServerResponse it uses. The HTTP server passes those
 * objects as they are; the in-process transport (../client-in-process.ts) passes its own, so
 * both go through one dispatch: the same verbs, admission, validation, Status bodies and
 * watch streams.
 */

/** A request: method, target, headers and a body that arrives as `data` events or whole. */
export interface ApiRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** True once the whole body has arrived. */
  readonly complete: boolean;
  /** The whole body when it came in one piece (in process); node:http streams it instead. */
  readonly body?: Buffer | undefined;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close' | 'error', listener: (error?: Error) => void): unknown;
  once(event: 'end' | 'close' | 'error', listener: (error?: Error) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  resume(): unknown;
}

/** An answer: a status line and headers, then one body or a stream of chunks (watches). */
export interface ApiResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  /** Bytes written but not yet taken by the client (a watch's backlog). */
  readonly writableLength: number;
  writeHead(code: number, headers: Record<string, string | string[]>): unknown;
  flushHeaders(): void;
  write(chunk: string): unknown;
  end(chunk?: string): unknown;
  on(event: 'close' | 'error', listener: () => void): unknown;
}
