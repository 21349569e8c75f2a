/**
 * IPv4 and IPv6 address text forms used by the codec: dotted quad, and RFC 5952 canonical
 * IPv6 (lower case, longest run of two or more zero groups compressed, first such run on a
 * tie, no leading zeros). Parsers return false instead of throwing so callers choose the error.
 */

/** Decimal strings of 0..255, so formatting an address concatenates cached strings. */
export const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

export function formatIpv4(buf: Uint8Array, off: number): string {
  return (
    DECIMAL[buf[off]!]! +
    '.' +
    DECIMAL[buf[off + 1]!]! +
    '.' +
    DECIMAL[buf[off + 2]!]! +
    '.' +
    DECIMAL[buf[off + 3]!]!
  );
}

/**
 * Parses a dotted quad from `s[start..end)` into `out[off..off+4)`. Octets are 1-3 digits,
 * 0..255; leading zeros are refused (they read as octal in some tools).
 */
export function parseIpv4Into(
  s: string,
  start: number,
  end: number,
  out: Uint8Array,
  off: number,
): boolean {
  let octet = 0;
  let digits = 0;
  let index = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || index === 3) return false;
      out[off + index++] = octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return false;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return false;
    } else {
      return false;
    }
  }
  if (digits === 0 || index !== 3) return false;
  out[off + 3] = octet;
  return true;
}

export function parseIpv4(s: string): Buffer | undefined {
  const b = Buffer.alloc(4);
  return parseIpv4Into(s, 0, s.length, b, 0) ? b : undefined;
}

/** RFC 5952 canonical text of the 16 octets at `buf[off..off+16)`. */
export function formatIpv6(buf: Uint8Array, off: number): string {
  const groups: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
  // RFC 5952 4.2: compress the longest run of at least two zero groups, the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // RFC 5952 5: IPv4-mapped addresses are written with the dotted quad tail.
  if (bestStart === 0 && bestLen === 5 && groups[5] === 0xffff) {
    return '::ffff:' + formatIpv4(buf, off + 12);
  }
  if (bestStart < 0) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, bestStart).map((g) => g.toString(16));
  const tail = groups.slice(bestStart + bestLen).map((g) => g.toString(16));
  return head.join(':') + '::' + tail.join(':');
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses IPv6 text (any RFC 4291 2.2 form, including a dotted quad tail) into 16 octets. */
export function parseIpv6Into(
  s: string,
  start: number,
  end: number,
  out: Uint8Array,
  off: number,
): boolean {
  if (end - start < 2 || end - start > 45) return false;
  const groups: number[] = [];
  let gap = -1;
  let i = start;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0, off, off + 16);
      return true;
    }
  }
  for (;;) {
    // One group: hex digits, or a dotted quad as the last 32 bits.
    let j = i;
    let value = 0;
    while (j < end && j - i < 5) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      value = (value << 4) | h;
      j++;
    }
    if (j < end && s.charCodeAt(j) === 46) {
      const quad = new Uint8Array(4);
      if (groups.length > 6 || !parseIpv4Into(s, i, end, quad, 0)) return false;
      groups.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
      break;
    }
    if (j === i || j - i > 4) return false;
    groups.push(value);
    if (groups.length > 8) return false;
    if (j === end) break;
    if (s.charCodeAt(j) !== 58) return false;
    if (j + 1 < end && s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = groups.length;
      i = j + 2;
      if (i === end) break;
    } else {
      i = j + 1;
      if (i === end) return false;
    }
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return false;
  const full =
    gap < 0
      ? groups
      : [
          ...groups.slice(0, gap),
          ...new Array<number>(8 - groups.length).fill(0),
          ...groups.slice(gap),
        ];
  for (let g = 0; g < 8; g++) {
    out[off + 2 * g] = full[g]! >> 8;
    out[off + 2 * g + 1] = full[g]! & 0xff;
  }
  return true;
}

export function parseIpv6(s: string): Buffer | undefined {
  const b = Buffer.alloc(16);
  return parseIpv6Into(s, 0, s.length, b, 0) ? b : undefined;
}
