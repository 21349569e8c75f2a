import type { Output } from '../../src/cli/output.js';

/** An Output that keeps every line (errors too) for the test to read. */
export function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    line: (t) => lines.push(t),
    error: (t) => lines.push(t),
    status: () => undefined,
  };
}
