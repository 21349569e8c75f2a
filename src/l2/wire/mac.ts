/**
 * MAC addresses (IEEE 802 48-bit) as text `02:00:5e:10:00:01` and bytes, and the IPv6
 * multicast mappings neighbor discovery needs (RFC 2464 7, RFC 4291 2.7.1, RFC 4291 App. A).
 */
import { parseIpv4, parseIpv6 } from '../../bgp/wire/ip.js';
import { L2DecodeError } from './errors.js';

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC = '00:00:00:00:00:00';

export function parseMac(text: string): Buffer {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new L2DecodeError('ERR_L2_ADDRESS_INVALID', `${text} is no MAC address`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(buf: Uint8Array, off = 0): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push(buf[off + i]!.toString(16).padStart(2, '0'));
  return out.join(':');
}

/** Group bit (I/G, the low bit of the first octet): broadcast and multicast destinations. */
export function isGroupMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

export function ipv4Bytes(address: string): Buffer {
  const b = parseIpv4(address);
  if (!b) throw new L2DecodeError('ERR_L2_ADDRESS_INVALID', `${address} is no IPv4 address`);
  return b;
}

export function ipv6Bytes(address: string): Buffer {
  const b = parseIpv6(address);
  if (!b) throw new L2DecodeError('ERR_L2_ADDRESS_INVALID', `${address} is no IPv6 address`);
  return b;
}

/** RFC 4291 2.7.1: the solicited-node multicast address ff02::1:ffXX:XXXX of an address. */
export function solicitedNodeAddress(address: string): Buffer {
  const a = ipv6Bytes(address);
  const out = Buffer.alloc(16);
  out[0] = 0xff;
  out[1] = 0x02;
  out[11] = 0x01;
  out[12] = 0xff;
  a.copy(out, 13, 13, 16);
  return out;
}

/** RFC 2464 7: an IPv6 multicast address goes to 33:33 followed by its last four octets. */
export function ipv6MulticastMac(group: Uint8Array): string {
  return formatMac(Buffer.from([0x33, 0x33, group[12]!, group[13]!, group[14]!, group[15]!]));
}

/**
 * RFC 4291 2.5.1 and App. A: the modified EUI-64 link-local address fe80::/64 of a MAC (the
 * universal/local bit inverted, ff:fe in the middle), the source of a node's NDP messages.
 */
export function linkLocalFromMac(mac: string): Buffer {
  const m = parseMac(mac);
  const out = Buffer.alloc(16);
  out[0] = 0xfe;
  out[1] = 0x80;
  out[8] = m[0]! ^ 0x02;
  out[9] = m[1]!;
  out[10] = m[2]!;
  out[11] = 0xff;
  out[12] = 0xfe;
  out[13] = m[3]!;
  out[14] = m[4]!;
  out[15] = m[5]!;
  return out;
}
