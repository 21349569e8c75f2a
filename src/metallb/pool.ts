/**
 * IPAddressPool `addresses` parsing and the pool counters of its status (reference §8;
 * MetalLB internal/config ParseCIDR and internal/allocator poolCount).
 */
import { goQuote } from './go-format.js';
import {
  type Cidr,
  type IPAddr,
  cidrLast,
  cidrSize,
  compareIP,
  formatCIDR,
  formatIP,
  parseCIDR,
  parseIP,
  summarizeRange,
  bitsOf,
  cidrFirst,
} from './ip.js';

export const INT64_MAX = 9223372036854775807n;

export type AddressParse = { ok: true; cidrs: Cidr[] } | { ok: false; message: string };

/**
 * One `addresses` entry: a CIDR (a single IP needs `/32` or `/128`), or `start-end` split at
 * the first `-`, each side trimmed, start <= end, summarised to the minimal CIDR list.
 */
export function parseAddressEntry(entry: string): AddressParse {
  if (!entry.includes('-')) {
    const c = parseCIDR(entry);
    if (!c) return { ok: false, message: `invalid CIDR ${goQuote(entry)}` };
    return { ok: true, cidrs: [c] };
  }
  const dash = entry.indexOf('-');
  const startText = entry.slice(0, dash);
  const endText = entry.slice(dash + 1);
  const start = parseIP(startText.trim());
  if (!start) {
    return {
      ok: false,
      message: `invalid IP range ${goQuote(entry)}: invalid start IP ${goQuote(startText)}`,
    };
  }
  const end = parseIP(endText.trim());
  if (!end) {
    return {
      ok: false,
      message: `invalid IP range ${goQuote(entry)}: invalid end IP ${goQuote(endText)}`,
    };
  }
  if (start.family !== end.family || compareIP(start, end) > 0) {
    // Go compares the 16-byte forms; a v4 start sorts before any v6 end and would then
    // summarise to nothing. An empty pool entry helps nobody: report it as out of order.
    return {
      ok: false,
      message: `invalid IP range ${goQuote(entry)}: start IP ${goQuote(formatIP(start))} is after the end IP ${goQuote(formatIP(end))}`,
    };
  }
  return { ok: true, cidrs: summarizeRange(start, end) };
}

/** An IPv4 address ending in .0 or .255 (confuses smurf protection in old CPE firmware). */
export function isBuggyIP(ip: IPAddr): boolean {
  if (ip.family !== 'ipv4') return false;
  const last = ip.value & 0xffn;
  return last === 0n || last === 255n;
}

export interface PoolCounts {
  total: bigint;
  ipv4: bigint;
  ipv6: bigint;
}

function satAdd(a: bigint, b: bigint): bigint {
  const s = a + b;
  return s > INT64_MAX ? INT64_MAX : s;
}

/**
 * Addresses in the pool (reference §8): 2^(bits-prefix) per CIDR, network and broadcast
 * included. avoidBuggyIPs: a /24-or-wider CIDR loses 2 per /24; a narrower one loses 1 if its
 * first address is buggy and 1 if its last is (a lone x.x.x.0/32 gives -1, as upstream). A CIDR
 * with 62 or more host bits (IPv6 /66 or wider) counts as int64 max; sums saturate there.
 */
export function poolCounts(cidrs: readonly Cidr[], avoidBuggyIPs: boolean): PoolCounts {
  let total = 0n;
  let ipv4 = 0n;
  let ipv6 = 0n;
  for (const c of cidrs) {
    const hostBits = bitsOf(c.family) - c.prefix;
    if (hostBits >= 62) {
      total = INT64_MAX;
      if (c.family === 'ipv6') ipv6 = INT64_MAX;
      else ipv4 = INT64_MAX;
      continue;
    }
    let size = cidrSize(c);
    if (avoidBuggyIPs) {
      if (c.prefix <= 24) {
        size -= (1n << BigInt(24 - c.prefix)) * 2n;
      } else {
        if (isBuggyIP(cidrFirst(c))) size -= 1n;
        if (isBuggyIP(cidrLast(c))) size -= 1n;
      }
    }
    total = satAdd(total, size);
    if (c.family === 'ipv4') ipv4 = satAdd(ipv4, size);
    else ipv6 = satAdd(ipv6, size);
  }
  return { total, ipv4, ipv6 };
}

/** Exact int64 counters of IPAddressPool.status (bigint: IPv6 pools reach 2^63-1). */
export interface PoolCounters {
  assignedIPv4: bigint;
  assignedIPv6: bigint;
  availableIPv4: bigint;
  availableIPv6: bigint;
}

/** available = total - assigned, assigned counting distinct IPs. */
export function poolCounters(
  cidrs: readonly Cidr[],
  avoidBuggyIPs: boolean,
  assignedIPv4: number,
  assignedIPv6: number,
): PoolCounters {
  const counts = poolCounts(cidrs, avoidBuggyIPs);
  return {
    assignedIPv4: BigInt(assignedIPv4),
    assignedIPv6: BigInt(assignedIPv6),
    availableIPv4: counts.ipv4 - BigInt(assignedIPv4),
    availableIPv6: counts.ipv6 - BigInt(assignedIPv6),
  };
}

/**
 * The JSON status object. Values above 2^53 cannot be JS numbers exactly; the writer must
 * serialise `PoolCounters` itself (see `poolStatusJson`) when it needs the exact int64.
 */
export function poolStatusFromCounters(c: PoolCounters): {
  assignedIPv4: number;
  assignedIPv6: number;
  availableIPv4: number;
  availableIPv6: number;
} {
  return {
    assignedIPv4: Number(c.assignedIPv4),
    assignedIPv6: Number(c.assignedIPv6),
    availableIPv4: Number(c.availableIPv4),
    availableIPv6: Number(c.availableIPv6),
  };
}

/** Exact JSON text of the status (keys in the API's order), int64 values unrounded. */
export function poolStatusJson(c: PoolCounters): string {
  return (
    `{"assignedIPv4":${c.assignedIPv4},"assignedIPv6":${c.assignedIPv6},` +
    `"availableIPv4":${c.availableIPv4},"availableIPv6":${c.availableIPv6}}`
  );
}

export { formatCIDR };
