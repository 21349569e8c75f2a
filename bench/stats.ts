/**
 * Summaries shared by the benchmarks: every figure they print is the median of several runs
 * with the smallest and largest beside it. NaN (nothing measured in a run) is left out.
 */

function finite(values: readonly number[]): number[] {
  return values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
}

export function median(values: readonly number[]): number {
  const s = finite(values);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The nearest-rank percentile (p in 0..100) of the samples. */
export function percentile(values: readonly number[], p: number): number {
  const s = finite(values);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/**
 * `median M unit (min A, max B)` with `digits` decimals; `format` replaces toFixed (e.g. to
 * print millions); `compact` gives `M (A, B)` for table cells.
 */
export function spread(
  values: readonly number[],
  options: {
    digits?: number;
    unit?: string;
    format?: (v: number) => string;
    compact?: boolean;
  } = {},
): string {
  const s = finite(values);
  if (s.length === 0) return 'n/a';
  const unit = options.unit ? ` ${options.unit}` : '';
  const fmt = options.format ?? ((v: number) => v.toFixed(options.digits ?? 0));
  if (options.compact) return `${fmt(median(s))} (${fmt(s[0]!)}, ${fmt(s.at(-1)!)})`;
  return `median ${fmt(median(s))}${unit} (min ${fmt(s[0]!)}, max ${fmt(s.at(-1)!)})`;
}

/** `figure (goal G) met` or `... not met`: how every benchmark with a goal prints it. */
export function goal(figure: string, target: string, met: boolean): string {
  return `${figure} (goal ${target}) ${met ? 'met' : 'not met'}`;
}
