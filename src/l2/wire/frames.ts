/**
 * Whole frames for address resolution, as MetalLB's speaker (internal/layer2 arp.go, ndp.go)
 * and a router's neighbour cache send them, and one decoder for what arrives on a port.
 */
import { formatIpv6 } from '../../bgp/wire/ip.js';
import { ARP_REPLY, ARP_REQUEST, decodeArp, encodeArp, type ArpPacket } from './arp.js';
import {
  decodeEthernet,
  encodeEthernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV6,
  type EthernetFrame,
} from './ethernet.js';
import {
  BROADCAST_MAC,
  ipv6MulticastMac,
  linkLocalFromMac,
  solicitedNodeAddress,
  ZERO_MAC,
} from './mac.js';
import { decodeNdp, encodeNdp, type NdpMessage } from './ndp.js';
import { encodeRouterAdvertisement } from './ra.js';

/** ff02::1, all nodes on the link (RFC 4291 2.7.1). */
export const ALL_NODES = 'ff02::1';
/** Its Ethernet group address (RFC 2464 7): 33:33:00:00:00:01. */
const ALL_NODES_MAC = ipv6MulticastMac(
  Buffer.from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
);

export type DecodedFrame =
  | { ethernet: EthernetFrame; kind: 'arp'; arp: ArpPacket }
  | { ethernet: EthernetFrame; kind: 'ndp'; ndp: NdpMessage };

/**
 * What a frame carries for address resolution; undefined for anything else (IPv4 data, other
 * ICMPv6). Malformed ARP or NDP throws L2DecodeError: the caller counts and drops it.
 */
export function decodeFrame(buf: Buffer): DecodedFrame | undefined {
  const ethernet = decodeEthernet(buf);
  if (ethernet.etherType === ETHERTYPE_ARP) {
    return { ethernet, kind: 'arp', arp: decodeArp(ethernet.payload) };
  }
  if (ethernet.etherType === ETHERTYPE_IPV6) {
    const ndp = decodeNdp(ethernet.payload);
    return ndp ? { ethernet, kind: 'ndp', ndp } : undefined;
  }
  return undefined;
}

function arpFrame(destination: string, source: string, arp: ArpPacket): Buffer {
  return encodeEthernet({ destination, source, etherType: ETHERTYPE_ARP, payload: encodeArp(arp) });
}

/** RFC 826: who has `targetIp`? Broadcast, target hardware address unknown (zero). */
export function arpRequestFrame(mac: string, ip: string, targetIp: string): Buffer {
  return arpFrame(BROADCAST_MAC, mac, {
    operation: ARP_REQUEST,
    senderMac: mac,
    senderIp: ip,
    targetMac: ZERO_MAC,
    targetIp,
  });
}

/**
 * RFC 826 "Packet Reception": the answer to `request` from the owner of its target address:
 * sender and target swapped, our MAC as sender, sent straight back to the asker.
 */
export function arpReplyFrame(request: ArpPacket, mac: string): Buffer {
  return arpFrame(request.senderMac, mac, {
    operation: ARP_REPLY,
    senderMac: mac,
    senderIp: request.targetIp,
    targetMac: request.senderMac,
    targetIp: request.senderIp,
  });
}

/**
 * Gratuitous ARP for `ip` (RFC 5227 3, RFC 826 merge): sender and target address both `ip`,
 * target hardware broadcast, to broadcast. MetalLB sends a request and a reply each time
 * (arp.go Gratuitous), so that neighbours that update only on one of them update too.
 */
export function gratuitousArpFrames(mac: string, ip: string): Buffer[] {
  return [ARP_REQUEST, ARP_REPLY].map((operation) =>
    arpFrame(BROADCAST_MAC, mac, {
      operation: operation as ArpPacket['operation'],
      senderMac: mac,
      senderIp: ip,
      targetMac: BROADCAST_MAC,
      targetIp: ip,
    }),
  );
}

function ndpFrame(destinationMac: string, sourceMac: string, m: NdpMessage): Buffer {
  return encodeEthernet({
    destination: destinationMac,
    source: sourceMac,
    etherType: ETHERTYPE_IPV6,
    payload: encodeNdp(m),
  });
}

/** RFC 4861 7.2.2: a solicitation for `target` to its solicited-node group, with our SLLA. */
export function neighborSolicitationFrame(mac: string, source: string, target: string): Buffer {
  const group = solicitedNodeAddress(target);
  return ndpFrame(ipv6MulticastMac(group), mac, {
    type: 'NS',
    source,
    destination: formatIpv6(group, 0),
    target,
    sourceLinkLayer: mac,
  });
}

/**
 * RFC 4861 7.2.4: the solicited answer, to the solicitation's source at its link-layer address.
 * MetalLB (ndp.go advertise) sets Solicited and leaves Override clear on these, and sends
 * from the interface's link-local address.
 */
export function solicitedAdvertisementFrame(
  mac: string,
  solicitation: { source: string; sourceMac: string; target: string },
  /** A router answering for its own address sets both (RFC 4861 7.2.4). */
  flags: { router?: boolean; override?: boolean } = {},
): Buffer {
  return ndpFrame(solicitation.sourceMac, mac, {
    type: 'NA',
    source: formatIpv6(linkLocalFromMac(mac), 0),
    destination: solicitation.source,
    target: solicitation.target,
    router: flags.router ?? false,
    solicited: true,
    override: flags.override ?? false,
    targetLinkLayer: mac,
  });
}

/**
 * RFC 4861 7.2.6: an unsolicited advertisement to all nodes, Override set so that caches
 * replace the old link-layer address (MetalLB's gratuitous NDP).
 */
export function unsolicitedAdvertisementFrame(mac: string, target: string): Buffer {
  return ndpFrame(ALL_NODES_MAC, mac, {
    type: 'NA',
    source: formatIpv6(linkLocalFromMac(mac), 0),
    destination: ALL_NODES,
    target,
    router: false,
    solicited: false,
    override: true,
    targetLinkLayer: mac,
  });
}

/**
 * RFC 4861 6.2.4: an unsolicited Router Advertisement to all nodes, from the port's link-local
 * address (6.1.2) with its link-layer address, saying nothing but "a router is here":
 * `routerLifetime` 0 (the default here) makes it no default router (4.2, 6.3.4), no prefixes,
 * no hop limit, timers unspecified. On an unnumbered BGP link that is all the neighbour needs.
 */
export function routerAdvertisementFrame(mac: string, routerLifetime = 0): Buffer {
  return encodeEthernet({
    destination: ALL_NODES_MAC,
    source: mac,
    etherType: ETHERTYPE_IPV6,
    payload: encodeRouterAdvertisement({
      source: formatIpv6(linkLocalFromMac(mac), 0),
      destination: ALL_NODES,
      curHopLimit: 0,
      managed: false,
      otherConfig: false,
      routerLifetime,
      reachableTime: 0,
      retransTimer: 0,
      sourceLinkLayer: mac,
    }),
  });
}
