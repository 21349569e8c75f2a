/** BGP Identifier handling (RFC 4271 4.2, RFC 6286): a 4-octet unsigned integer, dotted quad. */

/** Parses a dotted quad into its unsigned 32-bit value; undefined when it is not one. */
export function parseBgpIdentifier(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}
