/**
 * NLRI prefixes (RFC 4271 4.3, RFC 4760 5, RFC 7911 3): [path id (4, ADD-PATH only)]
 * length (1, in bits) then the fewest octets that hold `length` bits.
 *
 * Host bits beyond the length: RFC 4271 4.3 says the trailing bits of the last octet are
 * irrelevant, and FRR masks them (apply_mask) before using the prefix. We do the same on both
 * sides: decoded prefixes are canonical ("10.1.2.0/24", never "10.1.2.3/24"), and the encoder
 * masks a prefix written with host bits.
 *
 * This is the hot path of the speaker (thousands of /32s per UPDATE), so it works on bytes and
 * char codes directly, with explicit bounds checks.
 */
import { AFI_IPV4 } from './types.js';
import type { Nlri } from './types.js';
import { encodeError, updateError } from './errors.js';
import type { BgpWireError } from './errors.js';
import { formatIpv6Prefix, parseIpv4Into, parseIpv6Into } from './ip.js';

/** Mask of the high `n` bits of an octet, n = 0..8. */
const HIGH_BITS = [0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe, 0xff];

function networkFieldError(why: string): BgpWireError {
  // RFC 4271 6.3: a syntactically incorrect NLRI field -> 3/10 Invalid Network Field.
  // RFC 7606 5.3: NLRI that cannot be parsed leaves no way to withdraw them: session reset.
  return updateError('ERR_BGP_NETWORK_FIELD', why, 'session-reset');
}

const scratch = new Uint8Array(16);
/** ASCII of one IPv4 prefix: at most "255.255.255.255/32", 18 characters. */
const text = new Uint8Array(18);

function writeDecimal(v: number, o: number): number {
  if (v >= 100) {
    text[o++] = 48 + ((v / 100) | 0);
    text[o++] = 48 + (((v / 10) | 0) % 10);
  } else if (v >= 10) text[o++] = 48 + ((v / 10) | 0);
  text[o++] = 48 + (v % 10);
  return o;
}

const char = String.fromCharCode;

/**
 * "a.b.c.d/len" as one flat string. Profiling showed string building to be most of the decode
 * cost: concatenation leaves a chain of partial strings that is flattened again when the prefix
 * becomes a map key, and Buffer#toString pays a native call per prefix. String.fromCharCode
 * with a fixed argument count per length (9 to 18 characters) is about twice as fast as either.
 */
function ipv4PrefixText(a: number, b: number, c: number, d: number, bits: number): string {
  let o = writeDecimal(a, 0);
  text[o++] = 46;
  o = writeDecimal(b, o);
  text[o++] = 46;
  o = writeDecimal(c, o);
  text[o++] = 46;
  o = writeDecimal(d, o);
  text[o++] = 47;
  o = writeDecimal(bits, o);
  const t = text;
  switch (o) {
    case 9:
      return char(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, t[5]!, t[6]!, t[7]!, t[8]!);
    case 10:
      return char(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, t[5]!, t[6]!, t[7]!, t[8]!, t[9]!);
    case 11:
      return char(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, t[5]!, t[6]!, t[7]!, t[8]!, t[9]!, t[10]!);
    case 12:
      return char(
        t[0]!,
        t[1]!,
        t[2]!,
        t[3]!,
        t[4]!,
        t[5]!,
        t[6]!,
        t[7]!,
        t[8]!,
        t[9]!,
        t[10]!,
        t[11]!,
      );
    case 13:
      return char(
        t[0]!,
        t[1]!,
        t[2]!,
        t[3]!,
        t[4]!,
        t[5]!,
        t[6]!,
        t[7]!,
        t[8]!,
        t[9]!,
        t[10]!,
        t[11]!,
        t[12]!,
      );
    case 14:
      return char(
        t[0]!,
        t[1]!,
        t[2]!,
        t[3]!,
        t[4]!,
        t[5]!,
        t[6]!,
        t[7]!,
        t[8]!,
        t[9]!,
        t[10]!,
        t[11]!,
        t[12]!,
        t[13]!,
      );
    case 15:
      return char(
        t[0]!,
        t[1]!,
        t[2]!,
        t[3]!,
        t[4]!,
        t[5]!,
        t[6]!,
        t[7]!,
        t[8]!,
        t[9]!,
        t[10]!,
        t[11]!,
        t[12]!,
        t[13]!,
        t[14]!,
      );
    case 16:
      return char(
        t[0]!,
        t[1]!,
        t[2]!,
        t[3]!,
        t[4]!,
        t[5]!,
        t[6]!,
        t[7]!,
        t[8]!,
        t[9]!,
        t[10]!,
        t[11]!,
        t[12]!,
        t[13]!,
        t[14]!,
        t[15]!,
      );
    case 17:
      return char(
        t[0]!,
        t[1]!,
        t[2]!,
        t[3]!,
        t[4]!,
        t[5]!,
        t[6]!,
        t[7]!,
        t[8]!,
        t[9]!,
        t[10]!,
        t[11]!,
        t[12]!,
        t[13]!,
        t[14]!,
        t[15]!,
        t[16]!,
      );
    default:
      return char(...t.subarray(0, o));
  }
}

/**
 * Decodes the prefixes in `buf[start..end)` of address family `afi` (1 IPv4, 2 IPv6) and
 * appends them to `out`. Throws BgpWireError (3/10) on a bad length or a prefix running past
 * `end`.
 */
export function decodePrefixes(
  buf: Buffer,
  start: number,
  end: number,
  afi: number,
  addPath: boolean,
  out: Nlri[],
): void {
  const maxBits = afi === AFI_IPV4 ? 32 : 128;
  let p = start;
  while (p < end) {
    let pathId = -1;
    if (addPath) {
      if (p + 5 > end) throw networkFieldError('ADD-PATH prefix runs past the field');
      pathId = buf.readUInt32BE(p);
      p += 4;
    }
    const bits = buf[p++]!;
    if (bits > maxBits) throw networkFieldError(`prefix length ${bits} > ${maxBits}`);
    const n = (bits + 7) >> 3;
    if (p + n > end) throw networkFieldError('prefix runs past the field');
    let prefix: string;
    if (maxBits === 32) {
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      if (n === 4) {
        a = buf[p]!;
        b = buf[p + 1]!;
        c = buf[p + 2]!;
        d = buf[p + 3]! & HIGH_BITS[bits - 24]!;
      } else if (n > 0) {
        const last = HIGH_BITS[bits - 8 * (n - 1)]!;
        a = buf[p]!;
        if (n === 1) a &= last;
        else {
          b = buf[p + 1]!;
          if (n === 2) b &= last;
          else c = buf[p + 2]! & last;
        }
      }
      prefix = ipv4PrefixText(a, b, c, d, bits);
    } else {
      if (n === 16 && bits === 128) prefix = formatIpv6Prefix(buf, p, 128);
      else {
        scratch.fill(0);
        for (let i = 0; i < n; i++) scratch[i] = buf[p + i]!;
        if (n > 0) scratch[n - 1]! &= HIGH_BITS[bits - 8 * (n - 1)]!;
        prefix = formatIpv6Prefix(scratch, 0, bits);
      }
    }
    p += n;
    out.push(pathId >= 0 ? { prefix, pathId } : { prefix });
  }
}

/**
 * Writes one prefix at `buf[off..]` and returns the offset after it. The caller guarantees
 * 21 octets of room (4 path id + 1 length + 16 address). Throws BgpEncodeError when the prefix
 * text is not an address of family `afi` with a valid length.
 */
export function writePrefix(
  buf: Buffer,
  off: number,
  nlri: Nlri | string,
  afi: number,
  addPath: boolean,
): number {
  // A bare string is a prefix with no path id: the speaker's tables hold prefixes as strings,
  // and wrapping 1,000,000 of them in objects to withdraw them cost more than encoding them.
  const s = typeof nlri === 'string' ? nlri : nlri.prefix;
  const slash = s.indexOf('/');
  if (slash < 0) throw encodeError(`prefix ${s} has no length`);
  let bits = 0;
  const digits = s.length - slash - 1;
  if (digits < 1 || digits > 3) throw encodeError(`prefix ${s} has a bad length`);
  for (let i = slash + 1; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) throw encodeError(`prefix ${s} has a bad length`);
    bits = bits * 10 + c;
  }
  const ok =
    afi === AFI_IPV4
      ? bits <= 32 && parseIpv4Into(s, 0, slash, scratch, 0)
      : bits <= 128 && parseIpv6Into(s, 0, slash, scratch, 0);
  if (!ok) throw encodeError(`prefix ${s} is not a valid AFI ${afi} prefix`);
  if (addPath) {
    const id = typeof nlri === 'string' ? 0 : (nlri.pathId ?? 0);
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw encodeError(`path id ${id} out of range`);
    }
    buf.writeUInt32BE(id, off);
    off += 4;
  }
  buf[off++] = bits;
  const n = (bits + 7) >> 3;
  for (let i = 0; i < n; i++) buf[off + i] = scratch[i]!;
  if (n > 0) buf[off + n - 1]! &= HIGH_BITS[bits - 8 * (n - 1)]!;
  return off + n;
}

/** Encodes a list of prefixes into a fresh buffer (not the hot path: the packer writes in place). */
export function encodePrefixes(nlri: readonly Nlri[], afi: number, addPath: boolean): Buffer {
  const buf = Buffer.allocUnsafe(nlri.length * 21);
  let off = 0;
  for (const n of nlri) off = writePrefix(buf, off, n, afi, addPath);
  return buf.subarray(0, off);
}
