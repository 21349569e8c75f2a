import { Address4, Address6 } from 'ip-address';
import { LabAddressesInUseError, LabNoFreeBlockError } from './errors.js';

/**
 * Per-lab address blocks, so that two labs of one scenario run side by side. A scenario's
 * addresses (topology, manifests, steps, expectations: every string, wherever an address, a
 * CIDR or an `a-b` range appears in it) fall into blocks: each IPv4 /24 and IPv6 /64 it names,
 * or a shorter prefix it names as a whole (a pool's 198.19.64.0/18). Relocating moves each block
 * to a free aligned block of the same size inside the never-routed ranges (RFC 2544's
 * 198.18.0.0/15, RFC 3849's 2001:db8::/32) and keeps host parts, so every address keeps its place
 * in its block and everything the scenario asserts still holds. Free blocks are taken from the
 * top of the ranges down (198.19.255.0/24, 2001:db8:ffff:ffff::/64, ...), away from the low
 * blocks that scenarios and test fixtures name, in the blocks' own order. Pure: no I/O; `src/cli/lab.ts` gives it the
 * blocks other labs and the host use.
 */

export type Family = 4 | 6;

/** One block moved: `from` and `to` are CIDRs of the same length. */
export interface Relocation {
  from: string;
  to: string;
}

interface Net {
  family: Family;
  start: bigint;
  len: number;
}

const FAMILY = {
  4: { bits: 32, block: 24, range: { family: 4, start: 3323068416n, len: 15 } as Net }, // 198.18.0.0/15
  6: {
    bits: 128,
    block: 64,
    range: { family: 6, start: 0x20010db8n << 96n, len: 32 } as Net, // 2001:db8::/32
  },
} as const;

/**
 * Pod addresses that src/scenario/runner/workloads.ts hands out (198.19.200-249.x): never a
 * relocation target, so that a relocated node never shares an address with a pod.
 */
const RESERVED = [
  '198.19.200.0/21',
  '198.19.208.0/20',
  '198.19.224.0/20',
  '198.19.240.0/21',
  '198.19.248.0/23',
];

const size = (n: Pick<Net, 'family' | 'len'>): bigint =>
  1n << BigInt(FAMILY[n.family].bits - n.len);
const last = (n: Net): bigint => n.start + size(n) - 1n;
const contains = (outer: Net, inner: Net): boolean =>
  outer.family === inner.family &&
  outer.len <= inner.len &&
  inner.start >= outer.start &&
  last(inner) <= last(outer);
const overlap = (a: Net, b: Net): boolean =>
  a.family === b.family && a.start <= last(b) && b.start <= last(a);
const aligned = (value: bigint, family: Family, len: number): Net => {
  const s = size({ family, len });
  return { family, start: value - (value % s), len };
};

function addressText(family: Family, value: bigint): string {
  return family === 4
    ? Address4.fromBigInt(value).correctForm()
    : Address6.fromBigInt(value).correctForm();
}

function netText(n: Net): string {
  return `${addressText(n.family, n.start)}/${n.len}`;
}

/** A CIDR (or a bare address, as its /32 or /128) as a network; undefined if it is neither. */
function parseNet(cidr: string): Net | undefined {
  const family: Family = cidr.includes(':') ? 6 : 4;
  try {
    const a = family === 4 ? new Address4(cidr) : new Address6(cidr);
    return aligned(a.bigInt(), family, a.subnetMask);
  } catch {
    return undefined;
  }
}

/** An address (with its prefix length when it had one) at `index..end` of a text. */
interface Token {
  index: number;
  end: number;
  family: Family;
  value: bigint;
  prefix?: number;
  /** IPv4 only: `.` or `\.` (an address inside a regular expression). */
  separator: string;
}

const V4 =
  /(?<![\d.\\])(\d{1,3})(\\?\.)(\d{1,3})\2(\d{1,3})\2(\d{1,3})(?!\d|\\?\.\d)(?:\/(\d{1,3})(?!\d))?/g;
const V6 =
  /(?<![0-9A-Za-z:.])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![0-9A-Za-z:])(?:\/(\d{1,3})(?!\d))?/g;

function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(V4)) {
    const octets = [m[1], m[3], m[4], m[5]].map(Number);
    if (octets.some((o) => o > 255)) continue;
    const value = octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
    const prefix = m[6] !== undefined && Number(m[6]) <= 32 ? Number(m[6]) : undefined;
    // A length that is not one (198.18.0.63/64/66) stays text: only the address is a token.
    const length =
      prefix === undefined ? m[0].length - (m[6] !== undefined ? m[6].length + 1 : 0) : m[0].length;
    out.push({
      index: m.index,
      end: m.index + length,
      family: 4,
      value,
      separator: m[2]!,
      ...(prefix !== undefined ? { prefix } : {}),
    });
  }
  for (const m of text.matchAll(V6)) {
    let value: bigint;
    try {
      value = new Address6(m[1]!).bigInt();
    } catch {
      continue;
    }
    const prefix = m[2] !== undefined && Number(m[2]) <= 128 ? Number(m[2]) : undefined;
    const length = prefix === undefined ? m[1]!.length : m[0].length;
    out.push({
      index: m.index,
      end: m.index + length,
      family: 6,
      value,
      separator: ':',
      ...(prefix !== undefined ? { prefix } : {}),
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

const inRange = (family: Family, value: bigint): boolean =>
  contains(FAMILY[family].range, { family, start: value, len: FAMILY[family].bits });

/** The block a token (or a range of two) falls in; undefined outside the ranges or for all of one. */
function blockOf(family: Family, value: bigint, len: number): Net | undefined {
  const f = FAMILY[family];
  if (!inRange(family, value) || len <= f.range.len) return undefined;
  return aligned(value, family, Math.min(len, f.block));
}

function commonPrefix(family: Family, a: bigint, b: bigint): number {
  const bits = FAMILY[family].bits;
  let diff = a ^ b;
  let len = bits;
  while (diff > 0n) {
    diff >>= 1n;
    len--;
  }
  return len;
}

function textBlocks(text: string): Net[] {
  const toks = tokens(text);
  const out: Net[] = [];
  toks.forEach((t, i) => {
    const b = blockOf(t.family, t.value, t.prefix ?? FAMILY[t.family].bits);
    if (b) out.push(b);
    // `a-b` (a pool's range): one block holds both ends, so the range stays a range.
    const next = toks[i + 1];
    if (
      next &&
      next.family === t.family &&
      t.prefix === undefined &&
      next.prefix === undefined &&
      text.slice(t.end, next.index) === '-'
    ) {
      const r = blockOf(t.family, t.value, commonPrefix(t.family, t.value, next.value));
      if (r) out.push(r);
    }
  });
  return out;
}

/** Every string of a value (object keys too), except source positions and file paths. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (SKIPPED_KEYS.has(k)) continue;
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

/** `at` is a source position and `file` a path: where a scenario came from, not its addresses. */
const SKIPPED_KEYS = new Set(['at', 'file']);

function merge(nets: Net[]): Net[] {
  const kept: Net[] = [];
  for (const n of [...nets].sort((a, b) => a.len - b.len)) {
    if (!kept.some((k) => contains(k, n))) kept.push(n);
  }
  return kept.sort(
    (a, b) => a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0),
  );
}

/** The blocks (CIDRs, IPv4 first, ascending) that the value's addresses in the lab ranges use. */
export function addressBlocks(value: unknown): string[] {
  return merge(strings(value).flatMap(textBlocks)).map(netText);
}

/**
 * IPv4 targets have a third octet of 100-255 throughout: three digits, like the 4th octet's own
 * digits kept from the original, so that sorting by text (frr-k8s sorts prefix-lists by their
 * text) and sorting by address (FRR) agree on the moved blocks as on the original ones.
 */
const threeDigits = (n: Net): boolean => n.family === 6 || ((n.start >> 8n) & 255n) >= 100n;
const sixteenOf = (n: Net): Net => aligned(n.start, 4, 16);

/**
 * A free block of each of `blocks`' sizes: none overlaps `used` (other labs, host routes), the
 * reserved pod addresses, `blocks` themselves or another target. Targets keep the blocks' order
 * (the highest block gets the highest free block, the next one the highest free block below
 * that, ...), so whatever sorts addresses (frr-k8s's prefix-lists) sorts them as before.
 * LabNoFreeBlockError if the range has no room.
 */
export function planRelocation(blocks: readonly string[], used: readonly string[]): Relocation[] {
  const from = blocks.map(parseNet).filter((n): n is Net => n !== undefined);
  const taken = [...used, ...RESERVED]
    .map(parseNet)
    .filter((n): n is Net => n !== undefined)
    .concat(from);
  const plan: Relocation[] = [];
  const ceiling = { 4: last(FAMILY[4].range) + 1n, 6: last(FAMILY[6].range) + 1n };
  for (const b of [...from].sort((x, y) => (x.start > y.start ? -1 : x.start < y.start ? 1 : 0))) {
    const range = FAMILY[b.family].range;
    const s = size(b);
    let cand = aligned(ceiling[b.family] - s, b.family, b.len).start;
    for (;;) {
      if (cand < range.start) throw new LabNoFreeBlockError(netText(b), netText(range));
      const target: Net = { family: b.family, start: cand, len: b.len };
      const hit = threeDigits(target)
        ? taken.filter((t) => overlap(t, target))
        : [sixteenOf(target)];
      if (hit.length === 0) {
        taken.push(target);
        ceiling[b.family] = cand;
        plan.push({ from: netText(b), to: netText(target) });
        break;
      }
      // The highest aligned candidate below everything it hit.
      const lowest = hit.reduce((m, t) => (t.start < m ? t.start : m), hit[0]!.start);
      cand = aligned(lowest - s, b.family, b.len).start;
    }
  }
  return blocks.map((text) => plan.find((p) => p.from === netText(parseNet(text)!))!);
}

function mapToken(t: Token, nets: { from: Net; to: Net }[]): bigint | undefined {
  const here: Net = { family: t.family, start: t.value, len: t.prefix ?? FAMILY[t.family].bits };
  const m = nets.find((n) =>
    contains(n.from, { ...here, start: aligned(t.value, t.family, here.len).start }),
  );
  return m ? m.to.start + (t.value - m.from.start) : undefined;
}

const parsedPlan = (plan: readonly Relocation[]) =>
  plan.map((p) => ({ from: parseNet(p.from)!, to: parseNet(p.to)! }));

function relocateWith(text: string, nets: { from: Net; to: Net }[]): string {
  let out = text;
  for (const t of tokens(text).reverse()) {
    const value = mapToken(t, nets);
    if (value === undefined) continue;
    const addr = addressText(t.family, value);
    const written = t.family === 4 ? addr.split('.').join(t.separator) : addr;
    const end = t.prefix === undefined ? t.end : t.end - `/${t.prefix}`.length;
    out = out.slice(0, t.index) + written + out.slice(end);
  }
  return out;
}

/** The text with every address of a moved block at its new place (host part kept). */
export function relocateText(text: string, plan: readonly Relocation[]): string {
  return relocateWith(text, parsedPlan(plan));
}

/** A copy of a plain value (a Scenario) with every string relocated; positions and paths kept. */
export function relocateValue<T>(value: T, plan: readonly Relocation[]): T {
  const nets = parsedPlan(plan);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return relocateWith(v, nets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) =>
          SKIPPED_KEYS.has(k) ? [k, x] : [relocateWith(k, nets), walk(x)],
        ),
      );
    }
    return v;
  };
  return walk(value) as T;
}

/** `198.18.0.0/24 -> 198.19.199.0/24, ...` for `lab up` and `lab status`. */
export function describeRelocation(plan: readonly Relocation[]): string {
  return plan.map((p) => `${p.from} -> ${p.to}`).join(', ');
}

/** The pairs of `blocks` and `used` that overlap. */
export function overlappingBlocks(
  blocks: readonly string[],
  used: readonly string[],
): { block: string; used: string }[] {
  const u = used.map((t) => [t, parseNet(t)] as const);
  return blocks.flatMap((b) => {
    const n = parseNet(b);
    return n ? u.filter(([, x]) => x && overlap(n, x)).map(([t]) => ({ block: b, used: t })) : [];
  });
}

export type RelocateMode = 'auto' | 'always' | 'never';

/**
 * Where a lab's addresses go. `auto`: moved only when a block overlaps `used`; `always`:
 * moved anyway; `never`: LabAddressesInUseError on overlap. Returns the plan (empty when
 * nothing moves) and the blocks the lab then occupies.
 */
export function chooseAddresses(
  blocks: readonly string[],
  used: readonly string[],
  mode: RelocateMode,
): { plan: Relocation[]; blocks: string[] } {
  const clashes = overlappingBlocks(blocks, used);
  if (mode === 'never' && clashes.length > 0) throw new LabAddressesInUseError(clashes);
  if (mode === 'never' || (mode === 'auto' && clashes.length === 0)) {
    return { plan: [], blocks: [...blocks] };
  }
  const plan = planRelocation(blocks, used);
  return { plan, blocks: plan.map((p) => p.to) };
}
