/**
 * Text for `speakersim validate`: one `file:line:col: message` line per problem, then a
 * closing count `N valid, N invalid`, and the exit code (1 when any file is invalid).
 */
import type { FileValidation } from './load.js';

export function validationSummary(results: readonly FileValidation[]): {
  text: string;
  exitCode: number;
} {
  const lines = results.flatMap((r) => r.errors.map((e) => e.message));
  const failed = results.filter((r) => r.errors.length > 0).length;
  lines.push(`${results.length - failed} valid, ${failed} invalid`);
  return { text: lines.join('\n') + '\n', exitCode: failed > 0 ? 1 : 0 };
}
