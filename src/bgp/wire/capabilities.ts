/**
 * Capabilities (RFC 5492): code (1), length (1), value. Known ones are decoded into the
 * `Capability` union; unknown codes, and known codes whose value does not follow their RFC's
 * optional rules (RFC 7911 4 send/receive outside 1..3), are kept raw so they round-trip.
 * A known capability whose length contradicts its RFC is an OPEN error (2/0), as FRR does.
 */
import type { Capability } from './types.js';
import { encodeError, openError } from './errors.js';

export const CapabilityCode = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_NEXTHOP: 5,
  EXTENDED_MESSAGE: 6,
  ROLE: 9,
  GRACEFUL_RESTART: 64,
  FOUR_OCTET_AS: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  FQDN: 73,
  ROUTE_REFRESH_OLD: 128,
} as const;

function capLengthError(code: number, length: number) {
  return openError(
    'ERR_BGP_CAPABILITY_LENGTH',
    `capability ${code} has bad length ${length}`,
    Buffer.from([code, length & 0xff]),
  );
}

/** Decodes one capability value `buf[start..end)` of capability `code`. */
function decodeCapability(code: number, buf: Buffer, start: number, end: number): Capability {
  const len = end - start;
  const raw = (): Capability => ({
    kind: 'unknown',
    code,
    value: Buffer.from(buf.subarray(start, end)),
  });
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      // RFC 4760 8: AFI (2), reserved (1), SAFI (1).
      if (len !== 4) throw capLengthError(code, len);
      return { kind: 'multiprotocol', afi: buf.readUInt16BE(start), safi: buf[start + 3]! };
    case CapabilityCode.ROUTE_REFRESH:
    case CapabilityCode.ROUTE_REFRESH_OLD:
    case CapabilityCode.EXTENDED_MESSAGE:
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      // RFC 2918 2, RFC 8654 3, RFC 7313 3: length 0.
      if (len !== 0) throw capLengthError(code, len);
      return code === CapabilityCode.ROUTE_REFRESH
        ? { kind: 'route-refresh' }
        : code === CapabilityCode.ROUTE_REFRESH_OLD
          ? { kind: 'route-refresh-old' }
          : code === CapabilityCode.EXTENDED_MESSAGE
            ? { kind: 'extended-message' }
            : { kind: 'enhanced-route-refresh' };
    case CapabilityCode.EXTENDED_NEXTHOP: {
      // RFC 8950 3: NLRI AFI (2), NLRI SAFI (2), Nexthop AFI (2), repeated; the length is a
      // non-zero multiple of 6.
      if (len === 0 || len % 6 !== 0) throw capLengthError(code, len);
      const families = [];
      for (let p = start; p < end; p += 6) {
        families.push({
          afi: buf.readUInt16BE(p),
          safi: buf.readUInt16BE(p + 2),
          nextHopAfi: buf.readUInt16BE(p + 4),
        });
      }
      return { kind: 'extended-nexthop', families };
    }
    case CapabilityCode.ROLE:
      // RFC 9234 4.1: length 1.
      if (len !== 1) throw capLengthError(code, len);
      return { kind: 'role', role: buf[start]! };
    case CapabilityCode.GRACEFUL_RESTART: {
      // RFC 4724 3: flags (4 bits) + restart time (12 bits), then AFI (2) SAFI (1) flags (1).
      if (len < 2 || (len - 2) % 4 !== 0) throw capLengthError(code, len);
      const word = buf.readUInt16BE(start);
      const families = [];
      for (let p = start + 2; p < end; p += 4) {
        families.push({
          afi: buf.readUInt16BE(p),
          safi: buf[p + 2]!,
          forwardingPreserved: (buf[p + 3]! & 0x80) !== 0,
        });
      }
      return {
        kind: 'graceful-restart',
        restarting: (word & 0x8000) !== 0,
        notification: (word & 0x4000) !== 0, // RFC 8538 2: the N bit
        restartTime: word & 0x0fff,
        families,
      };
    }
    case CapabilityCode.FOUR_OCTET_AS:
      // RFC 6793 3: length 4.
      if (len !== 4) throw capLengthError(code, len);
      return { kind: 'four-octet-as', asn: buf.readUInt32BE(start) };
    case CapabilityCode.ADD_PATH: {
      // RFC 7911 4: AFI (2) SAFI (1) Send/Receive (1), repeated.
      if (len === 0 || len % 4 !== 0) throw capLengthError(code, len);
      const families: { afi: number; safi: number; sendReceive: 1 | 2 | 3 }[] = [];
      for (let p = start; p < end; p += 4) {
        const sr = buf[p + 3]!;
        // RFC 7911 4: any other Send/Receive value: the capability is treated as not understood.
        if (sr < 1 || sr > 3) return raw();
        families.push({
          afi: buf.readUInt16BE(p),
          safi: buf[p + 2]!,
          sendReceive: sr as 1 | 2 | 3,
        });
      }
      return { kind: 'add-path', families };
    }
    case CapabilityCode.FQDN: {
      // draft-walton-bgp-hostname-capability 3: hostname length (1), hostname, domain length (1), domain.
      if (len < 2) throw capLengthError(code, len);
      const hl = buf[start]!;
      if (start + 1 + hl + 1 > end) throw capLengthError(code, len);
      const dl = buf[start + 1 + hl]!;
      if (start + 2 + hl + dl !== end) throw capLengthError(code, len);
      return {
        kind: 'fqdn',
        hostname: buf.toString('utf8', start + 1, start + 1 + hl),
        domain: buf.toString('utf8', start + 2 + hl, end),
      };
    }
    default:
      return raw();
  }
}

/** Decodes the capability list that fills one Capabilities optional parameter. */
export function decodeCapabilities(
  buf: Buffer,
  start: number,
  end: number,
  out: Capability[],
): void {
  let p = start;
  while (p < end) {
    if (p + 2 > end) {
      throw openError('ERR_BGP_OPEN_MALFORMED', 'capability header runs past its parameter');
    }
    const code = buf[p]!;
    const len = buf[p + 1]!;
    if (p + 2 + len > end) throw capLengthError(code, len);
    out.push(decodeCapability(code, buf, p + 2, p + 2 + len));
    p += 2 + len;
  }
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return b;
}

function checkRange(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw encodeError(`${what} ${v} out of range`);
  return v;
}

function capabilityValue(c: Capability): { code: number; value: Buffer } {
  switch (c.kind) {
    case 'multiprotocol':
      return {
        code: CapabilityCode.MULTIPROTOCOL,
        value: Buffer.concat([
          u16(checkRange(c.afi, 0xffff, 'AFI')),
          Buffer.from([0, checkRange(c.safi, 255, 'SAFI')]),
        ]),
      };
    case 'route-refresh':
      return { code: CapabilityCode.ROUTE_REFRESH, value: Buffer.alloc(0) };
    case 'extended-nexthop': {
      if (c.families.length === 0) throw encodeError('extended next hop capability needs a family');
      // RFC 8950 3: the NLRI SAFI takes two octets here, unlike in RFC 4760's capability.
      const value = Buffer.alloc(6 * c.families.length);
      c.families.forEach((f, i) => {
        value.writeUInt16BE(checkRange(f.afi, 0xffff, 'AFI'), 6 * i);
        value.writeUInt16BE(checkRange(f.safi, 0xffff, 'SAFI'), 6 * i + 2);
        value.writeUInt16BE(checkRange(f.nextHopAfi, 0xffff, 'next hop AFI'), 6 * i + 4);
      });
      return { code: CapabilityCode.EXTENDED_NEXTHOP, value };
    }
    case 'route-refresh-old':
      return { code: CapabilityCode.ROUTE_REFRESH_OLD, value: Buffer.alloc(0) };
    case 'extended-message':
      return { code: CapabilityCode.EXTENDED_MESSAGE, value: Buffer.alloc(0) };
    case 'enhanced-route-refresh':
      return { code: CapabilityCode.ENHANCED_ROUTE_REFRESH, value: Buffer.alloc(0) };
    case 'role':
      return { code: CapabilityCode.ROLE, value: Buffer.from([checkRange(c.role, 255, 'role')]) };
    case 'graceful-restart': {
      const value = Buffer.alloc(2 + 4 * c.families.length);
      const word =
        (c.restarting ? 0x8000 : 0) |
        (c.notification ? 0x4000 : 0) |
        checkRange(c.restartTime, 0xfff, 'restart time');
      value.writeUInt16BE(word, 0);
      c.families.forEach((f, i) => {
        value.writeUInt16BE(checkRange(f.afi, 0xffff, 'AFI'), 2 + 4 * i);
        value[4 + 4 * i] = checkRange(f.safi, 255, 'SAFI');
        value[5 + 4 * i] = f.forwardingPreserved ? 0x80 : 0;
      });
      return { code: CapabilityCode.GRACEFUL_RESTART, value };
    }
    case 'four-octet-as': {
      const value = Buffer.alloc(4);
      value.writeUInt32BE(checkRange(c.asn, 0xffffffff, 'ASN'), 0);
      return { code: CapabilityCode.FOUR_OCTET_AS, value };
    }
    case 'add-path': {
      if (c.families.length === 0) throw encodeError('ADD-PATH capability needs a family');
      const value = Buffer.alloc(4 * c.families.length);
      c.families.forEach((f, i) => {
        value.writeUInt16BE(checkRange(f.afi, 0xffff, 'AFI'), 4 * i);
        value[4 * i + 2] = checkRange(f.safi, 255, 'SAFI');
        value[4 * i + 3] = checkRange(f.sendReceive, 3, 'send/receive');
      });
      return { code: CapabilityCode.ADD_PATH, value };
    }
    case 'fqdn': {
      const host = Buffer.from(c.hostname, 'utf8');
      const domain = Buffer.from(c.domain, 'utf8');
      if (host.length > 255 || domain.length > 255)
        throw encodeError('FQDN part longer than 255 octets');
      return {
        code: CapabilityCode.FQDN,
        value: Buffer.concat([
          Buffer.from([host.length]),
          host,
          Buffer.from([domain.length]),
          domain,
        ]),
      };
    }
    case 'unknown':
      return { code: checkRange(c.code, 255, 'capability code'), value: c.value };
  }
}

/** Encodes capabilities as code/length/value triples (RFC 5492 4). */
export function encodeCapabilities(caps: readonly Capability[]): Buffer {
  const parts: Buffer[] = [];
  for (const c of caps) {
    const { code, value } = capabilityValue(c);
    if (value.length > 255) throw encodeError(`capability ${code} longer than 255 octets`);
    parts.push(Buffer.from([code, value.length]), value);
  }
  return Buffer.concat(parts);
}

/** Encodes one capability (used when each gets its own optional parameter). */
export function encodeCapability(cap: Capability): Buffer {
  return encodeCapabilities([cap]);
}
