/**
 * A full garbage collection for the benchmarks that measure memory: global.gc when the process
 * runs with --expose-gc, otherwise the flag is set now and gc is taken from a new context.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function collector(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * process.memoryUsage() after several full collections (weak refs can hold for one more) and,
 * with `releaseMs`, that long after them: V8 hands the pages a collection freed back to the
 * system from a background thread, so RSS read at once still counts some of them (up to 15 MiB
 * at 2,000 sessions in bench:scale), which no one looking at the process a moment later sees.
 */
export function settledMemory(gc: () => void): NodeJS.MemoryUsage;
export function settledMemory(gc: () => void, releaseMs: number): Promise<NodeJS.MemoryUsage>;
export function settledMemory(
  gc: () => void,
  releaseMs?: number,
): NodeJS.MemoryUsage | Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 4; i++) gc();
  if (releaseMs === undefined) return process.memoryUsage();
  return new Promise((r) => setTimeout(() => r(process.memoryUsage()), releaseMs));
}
