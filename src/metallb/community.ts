/**
 * BGP communities as BGPAdvertisement and Community CRs spell them: `65000:100` (RFC 1997,
 * two 16-bit halves) and `large:1:2:3` (RFC 8092, three 32-bit parts). Aliases name such a
 * value through a Community CR.
 */
import { goQuote } from './go-format.js';

export type BgpCommunity =
  { kind: 'standard'; value: number } | { kind: 'large'; value: readonly [number, number, number] };

export type CommunityParse =
  | { ok: true; community: BgpCommunity }
  /** `format`: not community-shaped (maybe an alias); `value`: shaped but out of range. */
  | { ok: false; problem: 'format' | 'value'; message: string };

const LARGE_PREFIX = 'large:';

function parseUint(s: string, bits: 16 | 32): number | undefined {
  if (!/^[0-9]{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= (bits === 16 ? 0xffff : 0xffffffff) ? n : undefined;
}

export function parseCommunity(text: string): CommunityParse {
  if (text.startsWith(LARGE_PREFIX)) {
    const parts = text.slice(LARGE_PREFIX.length).split(':');
    if (parts.length !== 3) {
      return { ok: false, problem: 'format', message: `invalid community format: ${text}` };
    }
    const nums: number[] = [];
    for (const p of parts) {
      const n = parseUint(p, 32);
      if (n === undefined) {
        return {
          ok: false,
          problem: 'value',
          message: `invalid community value: invalid section ${goQuote(p)} of community ${goQuote(text)}`,
        };
      }
      nums.push(n);
    }
    return { ok: true, community: { kind: 'large', value: [nums[0]!, nums[1]!, nums[2]!] } };
  }
  const parts = text.split(':');
  if (parts.length !== 2) {
    return { ok: false, problem: 'format', message: `invalid community format: ${text}` };
  }
  const hi = parseUint(parts[0]!, 16);
  const lo = parseUint(parts[1]!, 16);
  if (hi === undefined || lo === undefined) {
    const bad = hi === undefined ? parts[0]! : parts[1]!;
    return {
      ok: false,
      problem: 'value',
      message: `invalid community value: invalid section ${goQuote(bad)} of community ${goQuote(text)}`,
    };
  }
  // RFC 1997: the 32-bit value is (AS << 16) | local part.
  return { ok: true, community: { kind: 'standard', value: hi * 65536 + lo } };
}

/** FRR's spelling: `65000:100` for standard, `1:2:3` for large (after `set large-community`). */
export function formatCommunity(c: BgpCommunity): string {
  if (c.kind === 'standard') return `${Math.floor(c.value / 65536)}:${c.value % 65536}`;
  return c.value.join(':');
}

export function communityKey(c: BgpCommunity): string {
  return c.kind === 'standard' ? `s:${c.value}` : `l:${c.value.join(':')}`;
}

/** Standard before large; numeric order within each kind. */
export function compareCommunities(a: BgpCommunity, b: BgpCommunity): number {
  if (a.kind !== b.kind) return a.kind === 'standard' ? -1 : 1;
  if (a.kind === 'standard' && b.kind === 'standard') return a.value - b.value;
  const av = a.value as readonly number[];
  const bv = b.value as readonly number[];
  for (let i = 0; i < 3; i++) {
    if (av[i]! !== bv[i]!) return av[i]! - bv[i]!;
  }
  return 0;
}
