/**
 * Go time.Duration text (metav1.Duration in the CRDs): ParseDuration and String, because
 * MetalLB's timer messages print durations the Go way (`"1m30s"` for an input of `90s`).
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds, or undefined where Go's time.ParseDuration fails. */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  // Each iteration consumes at least one character, so this ends.
  while (s.length > 0) {
    const m = /^([0-9]*)(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h)/.exec(s);
    if (!m) return undefined;
    const whole = m[1] ?? '';
    const frac = (m[2] ?? '').slice(1);
    if (whole === '' && frac === '') return undefined;
    const unit = UNIT_NS[m[3]!]!;
    total += Number(whole || '0') * unit + (frac ? Number(`0.${frac}`) * unit : 0);
    s = s.slice(m[0].length);
  }
  return sign * Math.round(total);
}

function fracString(value: number, scale: number): string {
  const whole = Math.floor(value / scale);
  const rest = value % scale;
  if (rest === 0) return String(whole);
  const digits = String(scale).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's Duration.String(). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let d = Math.abs(Math.round(ns));
  let out: string;
  if (d < 1e9) {
    if (d < 1e3) out = `${d}ns`;
    else if (d < 1e6) out = `${fracString(d, 1e3)}µs`;
    else out = `${fracString(d, 1e6)}ms`;
  } else {
    const h = Math.floor(d / 3600e9);
    d -= h * 3600e9;
    const m = Math.floor(d / 60e9);
    d -= m * 60e9;
    out = `${fracString(d, 1e9)}s`;
    if (h > 0 || m > 0) out = `${m}m${out}`;
    if (h > 0) out = `${h}h${out}`;
  }
  return neg ? `-${out}` : out;
}
