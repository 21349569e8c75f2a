import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * YAML request bodies are parsed on a worker thread. A YAML parser reads about 3 MB/s, so a
 * 3 MiB body holds the thread for a second, and nesting can be hidden from any scan that is
 * not a YAML lexer (quotes inside plain scalars, `'a', ']'` items). The worker runs yaml's own
 * lexer first (nesting past the limit: refused before any tree is built), then the parser,
 * then measures the value; the server's thread only waits. A parse that takes longer than
 * PARSE_TIMEOUT_MS ends the worker (a new one serves the next body).
 */

export const PARSE_TIMEOUT_MS = 10_000;

export type YamlOutcome =
  { ok: true; value: unknown } | { ok: false; why: 'syntax' | 'too-deep' | 'too-slow' };

/** Runs in the worker (plain JavaScript: no build step, no TypeScript loader needed). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { parse, Lexer, CST } = require(workerData.yamlPath);
const MAX = workerData.maxDepth;

// Flow brackets and the block indicators of one line ('- - x'), as yaml's lexer sees them:
// quoted scalars and comments are tokens of their own, so nothing inside them counts.
function lexedTooDeep(text) {
  let flow = 0, line = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-map-start' || type === 'flow-seq-start') flow++;
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flow--;
    else if (type === 'newline') line = 0;
    else if (type === 'seq-item-ind' || type === 'explicit-key-ind') line++;
    if (flow + line > MAX) return true;
  }
  return false;
}

function depthOf(value) {
  let max = 0;
  const stack = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) max = d + 1;
    if (max > MAX) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

parentPort.on('message', ({ id, text }) => {
  let reply;
  try {
    if (lexedTooDeep(text)) reply = { id, ok: false, why: 'too-deep' };
    else {
      const value = parse(text, { uniqueKeys: false, maxAliasCount: 100 });
      reply = depthOf(value) > MAX ? { id, ok: false, why: 'too-deep' } : { id, ok: true, value };
    }
  } catch {
    reply = { id, ok: false, why: 'syntax' };
  }
  try {
    parentPort.postMessage(reply);
  } catch {
    parentPort.postMessage({ id, ok: false, why: 'syntax' });
  }
});
`;

interface Pending {
  id: number;
  text: string;
  resolve: (outcome: YamlOutcome) => void;
}

/** One worker, one body at a time, in arrival order. */
export class YamlWorker {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;

  constructor(private readonly maxDepth: number) {}

  parse(text: string): Promise<YamlOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, text, resolve });
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const job = this.queue.shift() as Pending;
    this.current = job;
    const worker = this.ensureWorker();
    this.timer = setTimeout(() => {
      // Too slow: the worker is abandoned (terminated), the body refused.
      this.worker = undefined;
      void worker.terminate();
      this.finish({ ok: false, why: 'too-slow' });
    }, PARSE_TIMEOUT_MS);
    worker.postMessage({ id: job.id, text: job.text });
  }

  private finish(outcome: YamlOutcome): void {
    clearTimeout(this.timer);
    const job = this.current;
    this.current = undefined;
    job?.resolve(outcome);
    this.pump();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // An alias-heavy document cannot take the server's memory with it.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
      workerData: {
        yamlPath: createRequire(import.meta.url).resolve('yaml'),
        maxDepth: this.maxDepth,
      },
    });
    // The server's lifetime decides the process's, not an idle parser.
    worker.unref();
    worker.on('message', (reply: { id: number } & YamlOutcome) => {
      if (this.worker !== worker || reply.id !== this.current?.id) return;
      const { id: _id, ...outcome } = reply;
      this.finish(outcome as YamlOutcome);
    });
    const lost = (): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (this.current) this.finish({ ok: false, why: 'syntax' });
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
    return worker;
  }
}
