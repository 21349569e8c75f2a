/**
 * Annotated hex for codec tables, GoBGP style: one field per line, `//` comments explain it.
 *   bytes(`
 *     ffffffffffffffffffffffffffffffff // marker
 *     0013                             // length 19
 *     04                               // type KEEPALIVE
 *   `)
 */
export function bytes(annotated: string): Buffer {
  const hex = annotated
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`bad hex in table: ${hex}`);
  return Buffer.from(hex, 'hex');
}

export const MARKER = 'ffffffffffffffffffffffffffffffff';

/** A whole message: marker, computed length, type, then the annotated body. */
export function message(type: number, body: string): Buffer {
  const b = bytes(body);
  const head = Buffer.alloc(19, 0xff);
  head.writeUInt16BE(19 + b.length, 16);
  head[18] = type;
  return Buffer.concat([head, b]);
}
