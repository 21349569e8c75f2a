/**
 * JSON with object keys sorted at every level and undefined fields left out: equal data gives
 * equal text whatever order its fields were set in. The one implementation for comparing
 * objects (k8s no-op writes and managed fields, MetalLB status writes), keying configuration
 * and writing reproducible reports (timeline JSONL, last-applied-configuration).
 *
 * Built as text rather than through a key-sorted copy: a JavaScript object always lists
 * integer-like keys ("2", "10") first and in numeric order, while Go's encoding/json (kubectl's
 * last-applied-configuration) sorts every map key as a string ("10" before "2").
 */
export function stableJson(value: unknown): string {
  return encode(value) ?? 'null';
}

/** As JSON.stringify: undefined for what JSON leaves out (undefined, functions, symbols). */
function encode(value: unknown): string | undefined {
  const v = hasToJson(value) ? value.toJSON() : value;
  if (v === null || typeof v !== 'object') return JSON.stringify(v) as string | undefined;
  if (Array.isArray(v)) return `[${v.map((x) => encode(x) ?? 'null').join(',')}]`;
  const record = v as Record<string, unknown>;
  const fields: string[] = [];
  for (const k of Object.keys(record).sort()) {
    const text = encode(record[k]);
    if (text !== undefined) fields.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${fields.join(',')}}`;
}

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  );
}

/** What stableJson leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * stableJson(a) === stableJson(b), without building either text: the comparison behind no-op
 * writes and managed fields runs on every status write, where two encodings of the whole
 * object cost more than the rest of the write's bookkeeping.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (
    typeof a !== 'object' ||
    a === null ||
    typeof b !== 'object' ||
    b === null ||
    hasToJson(a) ||
    hasToJson(b)
  ) {
    return stableJson(a) === stableJson(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x: unknown = a[i];
      const y: unknown = b[i];
      if (!jsonEqual(omitted(x) ? null : x, omitted(y) ? null : y)) return false;
    }
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let fields = 0;
  for (const k of Object.keys(ra)) {
    const x = ra[k];
    if (omitted(x)) continue;
    fields++;
    if (!Object.hasOwn(rb, k)) return false;
    const y = rb[k];
    if (omitted(y) || !jsonEqual(x, y)) return false;
  }
  for (const k of Object.keys(rb)) if (!omitted(rb[k])) fields--;
  return fields === 0;
}
