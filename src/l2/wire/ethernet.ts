/** Ethernet II frames (IEEE 802.3 with an EtherType): destination, source, type, payload. */
import { L2DecodeError } from './errors.js';
import { formatMac, parseMac } from './mac.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERNET_HEADER_BYTES = 14;

export interface EthernetFrame {
  destination: string;
  source: string;
  etherType: number;
  payload: Buffer;
}

export function encodeEthernet(f: EthernetFrame): Buffer {
  const out = Buffer.alloc(ETHERNET_HEADER_BYTES + f.payload.length);
  parseMac(f.destination).copy(out, 0);
  parseMac(f.source).copy(out, 6);
  out.writeUInt16BE(f.etherType, 12);
  f.payload.copy(out, ETHERNET_HEADER_BYTES);
  return out;
}

/** The payload keeps any padding to the 60-byte minimum: the inner protocol has its length. */
export function decodeEthernet(buf: Buffer): EthernetFrame {
  if (buf.length < ETHERNET_HEADER_BYTES) {
    throw new L2DecodeError('ERR_L2_FRAME_SHORT', `${buf.length} bytes is no Ethernet frame`);
  }
  return {
    destination: formatMac(buf, 0),
    source: formatMac(buf, 6),
    etherType: buf.readUInt16BE(12),
    payload: buf.subarray(ETHERNET_HEADER_BYTES),
  };
}
