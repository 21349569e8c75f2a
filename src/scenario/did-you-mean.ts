/** "Did you mean" hints: the known name closest to a misspelt one. */

/**
 * Edit distance counting a swap of neighbours as one edit (optimal string alignment), for
 * "did you mean" hints: `bgdp` is one edit from `bgpd`.
 */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate close to what was written (a likely misspelling), if there is one. */
export function closest(written: unknown, candidates: string[]): string | undefined {
  if (typeof written !== 'string') return undefined;
  const lower = written.toLowerCase();
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  const limit = Math.max(1, Math.floor(written.length / 3));
  return best && best.d <= limit && best.c !== written ? best.c : undefined;
}
