/**
 * IPv6 Router Advertisement (RFC 4861 4.2), as a node sends it on an unnumbered BGP link so
 * that its neighbour learns the node's link-local address (FRR's `neighbor IFACE interface`
 * finds its peer only through RAs: zebra's RA reception, bgp_nbr_connected). Encoding only: a
 * node never acts on the RAs it hears.
 */
import { linkLayerOption, ndpPacket, OPTION_SOURCE_LINK_LAYER } from './ndp.js';

export const ICMPV6_ROUTER_ADVERTISEMENT = 134;

export interface RouterAdvertisement {
  /** The sender's link-local address (RFC 4861 6.1.2: receivers drop any other source). */
  source: string;
  /** ff02::1 for unsolicited advertisements (RFC 4861 6.2.4), else the soliciting node. */
  destination: string;
  /** Cur Hop Limit for hosts; 0: unspecified (RFC 4861 4.2). */
  curHopLimit: number;
  managed: boolean;
  otherConfig: boolean;
  /** Seconds; 0: not a default router (RFC 4861 4.2, 6.3.4). Max 9000 (RFC 4861 6.2.1). */
  routerLifetime: number;
  /** Milliseconds; 0: unspecified. */
  reachableTime: number;
  /** Milliseconds; 0: unspecified. */
  retransTimer: number;
  /** Source Link-Layer Address option (RFC 4861 4.6.1): lets receivers fill their cache. */
  sourceLinkLayer?: string;
}

/** The IPv6 packet (header and ICMPv6 message) of an RA, checksum filled in. */
export function encodeRouterAdvertisement(ra: RouterAdvertisement): Buffer {
  const body = Buffer.alloc(16);
  body[0] = ICMPV6_ROUTER_ADVERTISEMENT;
  // body[1]: code 0; body[2..3]: checksum, filled in by ndpPacket.
  body[4] = ra.curHopLimit;
  body[5] = (ra.managed ? 0x80 : 0) | (ra.otherConfig ? 0x40 : 0); // reserved bits zero
  body.writeUInt16BE(ra.routerLifetime, 6);
  body.writeUInt32BE(ra.reachableTime, 8);
  body.writeUInt32BE(ra.retransTimer, 12);
  const options =
    ra.sourceLinkLayer === undefined
      ? Buffer.alloc(0)
      : linkLayerOption(OPTION_SOURCE_LINK_LAYER, ra.sourceLinkLayer);
  return ndpPacket(ra.source, ra.destination, Buffer.concat([body, options]));
}
