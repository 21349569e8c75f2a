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
