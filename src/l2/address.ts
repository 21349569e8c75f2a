import { formatIpv6 } from '../bgp/wire/ip.js';
import { ipv6Bytes } from './wire/mac.js';

/** An address as the codec prints it (IPv6 in RFC 5952 form), for set lookups. */
export function canonicalIp(address: string): string {
  return address.includes(':') ? formatIpv6(ipv6Bytes(address), 0) : address;
}
