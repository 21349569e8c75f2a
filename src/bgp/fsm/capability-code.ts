/**
 * Capability codes (IANA "Capability Codes") and the TLV form RFC 5492 4 requires in the data
 * of a 2/7 Unsupported Capability NOTIFICATION. Only that NOTIFICATION needs bytes here; the
 * OPEN itself is encoded by src/bgp/wire.
 */
import type { Capability } from '../wire/types.js';

export function capabilityCode(c: Capability): number {
  switch (c.kind) {
    case 'multiprotocol':
      return 1;
    case 'route-refresh':
      return 2;
    case 'extended-nexthop':
      return 5;
    case 'extended-message':
      return 6;
    case 'role':
      return 9;
    case 'graceful-restart':
      return 64;
    case 'four-octet-as':
      return 65;
    case 'add-path':
      return 69;
    case 'enhanced-route-refresh':
      return 70;
    case 'fqdn':
      return 73;
    case 'route-refresh-old':
      return 128;
    case 'unknown':
      return c.code;
  }
}

function u16(n: number): number[] {
  return [(n >>> 8) & 0xff, n & 0xff];
}

function shortString(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8').subarray(0, 255)];
  return [bytes.length, ...bytes];
}

function capabilityValue(c: Capability): number[] {
  switch (c.kind) {
    case 'multiprotocol': // RFC 4760 8: AFI, reserved, SAFI
      return [...u16(c.afi), 0, c.safi & 0xff];
    case 'four-octet-as': // RFC 6793 3
      return [(c.asn >>> 24) & 0xff, (c.asn >>> 16) & 0xff, (c.asn >>> 8) & 0xff, c.asn & 0xff];
    case 'role': // RFC 9234 4.1
      return [c.role & 0xff];
    case 'extended-nexthop': // RFC 8950 3: AFI (2), SAFI (2), next hop AFI (2)
      return c.families.flatMap((f) => [...u16(f.afi), ...u16(f.safi), ...u16(f.nextHopAfi)]);
    case 'add-path': // RFC 7911 4
      return c.families.flatMap((f) => [...u16(f.afi), f.safi & 0xff, f.sendReceive]);
    case 'graceful-restart': {
      // RFC 4724 3 and RFC 8538 2: R and N bits, 12-bit restart time, then the families.
      const flags = (c.restarting ? 0x8 : 0) | (c.notification ? 0x4 : 0);
      const head = u16(((flags << 12) | (c.restartTime & 0xfff)) & 0xffff);
      const fams = c.families.flatMap((f) => [
        ...u16(f.afi),
        f.safi & 0xff,
        f.forwardingPreserved ? 0x80 : 0,
      ]);
      return [...head, ...fams];
    }
    case 'fqdn':
      return [...shortString(c.hostname), ...shortString(c.domain)];
    case 'unknown':
      return [...c.value];
    case 'route-refresh':
    case 'route-refresh-old':
    case 'extended-message':
    case 'enhanced-route-refresh':
      return [];
  }
}

/** Code, length, value (RFC 5492 4); values over 255 octets are cut to fit the length octet. */
export function capabilityTlv(c: Capability): Buffer {
  const value = capabilityValue(c).slice(0, 255);
  return Buffer.from([capabilityCode(c) & 0xff, value.length, ...value]);
}
