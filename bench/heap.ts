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

/** process.memoryUsage() after several full collections (weak refs can hold for one more). */
export function settledMemory(gc: () => void): NodeJS.MemoryUsage {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage();
}
