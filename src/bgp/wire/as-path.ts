/**
 * AS_PATH and AS4_PATH (RFC 4271 4.3, RFC 5065 3, RFC 6793): segments of type (1), count (1)
 * and `count` ASNs of 2 octets (old sessions) or 4 octets (4-octet AS sessions, and always in
 * AS4_PATH). Also the RFC 6793 4.2.2 split of a path for an old speaker (AS_TRANS + AS4_PATH)
 * and the 4.2.3 merge that undoes it.
 */
import type { AsPathSegment, AsPathSegmentType } from './types.js';
import { encodeError } from './errors.js';

/** RFC 6793 9: the 2-octet placeholder for a 4-octet ASN. */
export const AS_TRANS = 23456;

const SEGMENT_TYPES: Record<number, AsPathSegmentType> = {
  1: 'AS_SET',
  2: 'AS_SEQUENCE',
  3: 'AS_CONFED_SEQUENCE', // RFC 5065 3
  4: 'AS_CONFED_SET',
};
const SEGMENT_CODES: Record<AsPathSegmentType, number> = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
};

/**
 * Decodes segments from `buf[start..end)`; returns undefined when malformed (RFC 7606 7.2:
 * unknown segment type, zero segment length, a segment overrunning the attribute, or
 * RFC 7607 2: AS 0). The caller picks the error, which differs between AS_PATH and AS4_PATH.
 */
export function decodeAsPath(
  buf: Buffer,
  start: number,
  end: number,
  asnSize: 2 | 4,
): AsPathSegment[] | undefined {
  const segments: AsPathSegment[] = [];
  let p = start;
  while (p < end) {
    if (p + 2 > end) return undefined;
    const type = SEGMENT_TYPES[buf[p]!];
    const count = buf[p + 1]!;
    if (type === undefined || count === 0) return undefined;
    p += 2;
    if (p + count * asnSize > end) return undefined;
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++, p += asnSize) {
      const asn = asnSize === 4 ? buf.readUInt32BE(p) : buf.readUInt16BE(p);
      if (asn === 0) return undefined;
      asns[i] = asn;
    }
    segments.push({ type, asns });
  }
  return segments;
}

/** Encodes segments with `asnSize`-octet ASNs; segments over 255 ASNs are split (RFC 4271 5.1.2). */
export function encodeAsPath(segments: readonly AsPathSegment[], asnSize: 2 | 4): Buffer {
  let size = 0;
  for (const s of segments) size += Math.ceil(s.asns.length / 255) * 2 + s.asns.length * asnSize;
  const buf = Buffer.alloc(size);
  let p = 0;
  for (const s of segments) {
    const code = SEGMENT_CODES[s.type];
    if (code === undefined) throw encodeError(`unknown AS path segment type ${String(s.type)}`);
    if (s.asns.length === 0) throw encodeError('empty AS path segment');
    // A set cannot be split without changing its meaning; sequences can.
    if (s.asns.length > 255 && (s.type === 'AS_SET' || s.type === 'AS_CONFED_SET')) {
      throw encodeError('AS_SET longer than 255');
    }
    for (let i = 0; i < s.asns.length; i += 255) {
      const chunk = s.asns.slice(i, i + 255);
      buf[p++] = code;
      buf[p++] = chunk.length;
      for (const asn of chunk) {
        if (!Number.isInteger(asn) || asn < 0 || asn > (asnSize === 4 ? 0xffffffff : 0xffff)) {
          throw encodeError(`ASN ${asn} does not fit ${asnSize} octets`);
        }
        if (asnSize === 4) buf.writeUInt32BE(asn, p);
        else buf.writeUInt16BE(asn, p);
        p += asnSize;
      }
    }
  }
  return buf;
}

/** RFC 6793 4.2.3 / RFC 4271 9.1.2.2: an AS_SET counts 1, confederation segments count 0. */
export function asPathCount(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 'AS_SEQUENCE') n += s.asns.length;
    else if (s.type === 'AS_SET') n += 1;
  }
  return n;
}

export function needsFourOctets(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.asns.some((a) => a > 0xffff));
}

/**
 * RFC 6793 4.2.2: the AS_PATH an old (2-octet) speaker sees: every ASN above 65535 becomes
 * AS_TRANS; and the AS4_PATH to send beside it: the path without confederation segments.
 */
export function splitForOldSpeaker(segments: readonly AsPathSegment[]): {
  asPath: AsPathSegment[];
  as4Path: AsPathSegment[] | undefined;
} {
  const asPath = segments.map((s) => ({
    type: s.type,
    asns: s.asns.map((a) => (a > 0xffff ? AS_TRANS : a)),
  }));
  if (!needsFourOctets(segments)) return { asPath, as4Path: undefined };
  // RFC 6793 4.2.2: confederation segments MUST NOT be put in AS4_PATH.
  const as4Path = segments
    .filter((s) => s.type === 'AS_SEQUENCE' || s.type === 'AS_SET')
    .map((s) => ({ type: s.type, asns: [...s.asns] }));
  return { asPath, as4Path };
}

/**
 * RFC 6793 4.2.3: rebuild the real path from AS_PATH and AS4_PATH. When AS_PATH has fewer
 * ASNs than AS4_PATH, AS4_PATH is ignored. Otherwise the leading ASNs of AS_PATH that AS4_PATH
 * lacks are kept (with leading confederation segments, which count 0), then AS4_PATH follows.
 */
export function mergeAs4Path(
  asPath: readonly AsPathSegment[],
  as4Path: readonly AsPathSegment[],
): AsPathSegment[] {
  const need = asPathCount(asPath) - asPathCount(as4Path);
  if (need < 0) return asPath.map((s) => ({ type: s.type, asns: [...s.asns] }));
  const out: AsPathSegment[] = [];
  let left = need;
  for (const s of asPath) {
    if (s.type === 'AS_CONFED_SEQUENCE' || s.type === 'AS_CONFED_SET') {
      // Confed segments sit before the AS4_PATH part (RFC 5065 5.3 prepends them); keep them
      // while we are still in the leading part.
      if (left > 0 || out.length === 0 || out.every((o) => o.type.startsWith('AS_CONFED'))) {
        out.push({ type: s.type, asns: [...s.asns] });
      }
      continue;
    }
    if (left <= 0) break;
    if (s.type === 'AS_SET') {
      out.push({ type: s.type, asns: [...s.asns] });
      left -= 1;
    } else {
      const take = Math.min(left, s.asns.length);
      out.push({ type: s.type, asns: s.asns.slice(0, take) });
      left -= take;
    }
  }
  for (const s of as4Path) out.push({ type: s.type, asns: [...s.asns] });
  // Only a prepend by an old speaker (need > 0) leaves a sequence split in two.
  return need > 0 ? normalise(out) : out;
}

/** Joins adjacent AS_SEQUENCE segments that the merge may leave split. */
function normalise(segments: AsPathSegment[]): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (
      last &&
      last.type === 'AS_SEQUENCE' &&
      s.type === 'AS_SEQUENCE' &&
      last.asns.length + s.asns.length <= 255
    ) {
      last.asns.push(...s.asns);
    } else out.push(s);
  }
  return out;
}

/** The path as "65000 65001 {65002,65003} (65004)" in the style of FRR's show output. */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments
    .map((s) => {
      const list = s.asns.join(s.type === 'AS_SET' || s.type === 'AS_CONFED_SET' ? ',' : ' ');
      switch (s.type) {
        case 'AS_SEQUENCE':
          return list;
        case 'AS_SET':
          return `{${list}}`;
        case 'AS_CONFED_SEQUENCE':
          return `(${list})`;
        case 'AS_CONFED_SET':
          return `[${list}]`;
      }
    })
    .join(' ');
}
