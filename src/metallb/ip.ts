/**
 * IP addresses and prefixes as bigint, with Go's net.ParseIP / net.ParseCIDR acceptance rules
 * (MetalLB parses with Go; a string Go rejects must be rejected here too) and Go's String()
 * forms (RFC 5952 for IPv6, an IPv4-mapped IPv6 address is an IPv4 address).
 */
import { Address6 } from 'ip-address';

export type IPFamily = 'ipv4' | 'ipv6';

export interface IPAddr {
  readonly family: IPFamily;
  readonly value: bigint;
}

export interface Cidr {
  readonly family: IPFamily;
  /** The network address (host bits zero). */
  readonly network: bigint;
  readonly prefix: number;
}

export function bitsOf(family: IPFamily): number {
  return family === 'ipv4' ? 32 : 128;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // Go 1.17+: decimal only, no leading zeros, 0..255.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** Go net.ParseIP; undefined where Go returns nil. */
export function parseIP(s: string): IPAddr | undefined {
  if (s.length === 0 || s.length > 64) return undefined;
  if (!s.includes(':')) {
    const v4 = parseIPv4(s);
    return v4 === undefined ? undefined : { family: 'ipv4', value: v4 };
  }
  // Address6 tolerates zones and prefixes; Go's ParseIP does not.
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  if (s.includes('.')) {
    const lastColon = s.lastIndexOf(':');
    if (parseIPv4(s.slice(lastColon + 1)) === undefined) return undefined;
  }
  let value: bigint;
  try {
    value = new Address6(s).bigInt();
  } catch {
    return undefined;
  }
  if (value >> 32n === 0xffffn) {
    return { family: 'ipv4', value: value & 0xffffffffn };
  }
  return { family: 'ipv6', value };
}

/** Go net.IP.String(). */
export function formatIP(ip: IPAddr): string {
  if (ip.family === 'ipv4') {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 0xffn)).join('.');
  }
  if (ip.value >> 32n === 0xffffn && ip.value < V4_MAPPED_PREFIX + 0x100000000n) {
    return formatIP({ family: 'ipv4', value: ip.value & 0xffffffffn });
  }
  return Address6.fromBigInt(ip.value).correctForm();
}

/** Canonical text of an IP string, or undefined when Go would not parse it. */
export function canonicalIP(s: string): string | undefined {
  const ip = parseIP(s);
  return ip === undefined ? undefined : formatIP(ip);
}

export function ipEquals(a: IPAddr, b: IPAddr): boolean {
  return a.family === b.family && a.value === b.value;
}

export function hostMask(family: IPFamily, prefix: number): bigint {
  return (1n << BigInt(bitsOf(family) - prefix)) - 1n;
}

/** The IP with its host bits (beyond `prefix`) cleared. */
export function maskIP(ip: IPAddr, prefix: number): IPAddr {
  return { family: ip.family, value: ip.value & ~hostMask(ip.family, prefix) };
}

/** Go net.ParseCIDR; undefined where Go returns an error. The address is masked. */
export function parseCIDR(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const len = s.slice(slash + 1);
  if (ip === undefined || !/^[0-9]{1,3}$/.test(len)) return undefined;
  // Go accepts an IPv4-mapped IPv6 text with a /0../128 length as a 128-bit prefix; keep
  // the common forms: dotted quads take 0..32, IPv6 text takes 0..128.
  const isV4Text = !s.slice(0, slash).includes(':');
  const prefix = Number(len);
  if (isV4Text) {
    if (prefix > 32) return undefined;
    return cidrOf({ family: 'ipv4', value: ip.value }, prefix);
  }
  if (prefix > 128) return undefined;
  if (ip.family === 'ipv4') {
    // ::ffff:a.b.c.d/len: Go keeps it 16 bytes long; a length of 96+ maps onto IPv4.
    if (prefix < 96) return undefined;
    return cidrOf(ip, prefix - 96);
  }
  return cidrOf(ip, prefix);
}

export function cidrOf(ip: IPAddr, prefix: number): Cidr {
  return { family: ip.family, network: maskIP(ip, prefix).value, prefix };
}

/** Go net.IPNet.String(): `network/len`. */
export function formatCIDR(c: Cidr): string {
  return `${formatIP({ family: c.family, value: c.network })}/${c.prefix}`;
}

export function cidrFirst(c: Cidr): IPAddr {
  return { family: c.family, value: c.network };
}

export function cidrLast(c: Cidr): IPAddr {
  return { family: c.family, value: c.network | hostMask(c.family, c.prefix) };
}

export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(bitsOf(c.family) - c.prefix);
}

export function cidrContains(c: Cidr, ip: IPAddr): boolean {
  return ip.family === c.family && maskIP(ip, c.prefix).value === c.network;
}

/** Either contains the other (MetalLB's cidrsOverlap: prefixes are aligned, so that is all). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const shorter = Math.min(a.prefix, b.prefix);
  return maskIP(cidrFirst(a), shorter).value === maskIP(cidrFirst(b), shorter).value;
}

/**
 * The minimal list of aligned prefixes covering [start, end] in ascending order (what
 * github.com/mikioh/ipaddr.Summarize gives MetalLB). Both ends must be the same family and
 * start <= end.
 */
export function summarizeRange(start: IPAddr, end: IPAddr): Cidr[] {
  const bits = bitsOf(start.family);
  const out: Cidr[] = [];
  let cur = start.value;
  const last = end.value;
  // Each step emits one prefix and moves past it, so at most 2 * bits iterations.
  while (cur <= last) {
    let size = 0;
    // Grow the block while it stays aligned on `cur` and inside the range.
    while (size < bits) {
      const next = size + 1;
      const blockMask = (1n << BigInt(next)) - 1n;
      if ((cur & blockMask) !== 0n) break;
      if (cur + blockMask > last) break;
      size = next;
    }
    out.push({ family: start.family, network: cur, prefix: bits - size });
    cur += 1n << BigInt(size);
  }
  return out;
}

export function compareIP(a: IPAddr, b: IPAddr): number {
  if (a.family !== b.family) return a.family === 'ipv4' ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/**
 * The fully expanded IPv6 text with `-` for `:` that frr-k8s uses for BGPSessionState's
 * `peer` and its label (`fc00-f853-0ccd-e799-0000-0000-0000-0001`); IPv4 as is.
 */
export function labelFormIP(ip: IPAddr): string {
  if (ip.family === 'ipv4') return formatIP(ip);
  const hex = ip.value.toString(16).padStart(32, '0');
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
  return groups.join('-');
}
