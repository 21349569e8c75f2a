/**
 * BGP-4 message model shared by the codec (this folder), the FSM and the session runtime.
 *
 * Messages are discriminated unions on `type`. Prefixes are canonical strings
 * ("198.18.0.1/32", "2001:db8::1/128"): cheap to compare, print and use as map keys.
 * Values the codec does not understand are kept as raw bytes so that they round-trip.
 */

/** RFC 4271 4.1 message type codes (and RFC 2918 ROUTE-REFRESH). */
export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;

/** Address family: AFI and SAFI (RFC 4760). */
export interface AfiSafi {
  afi: number;
  safi: number;
}

/** A prefix in NLRI, with the RFC 7911 path identifier when ADD-PATH is in use for its family. */
export interface Nlri {
  prefix: string;
  pathId?: number;
}

// ---------------------------------------------------------------------------------------------
// OPEN (RFC 4271 4.2) and capabilities (RFC 5492)

export type Capability =
  | { kind: 'multiprotocol'; afi: number; safi: number } // RFC 4760, code 1
  | { kind: 'route-refresh' } // RFC 2918, code 2
  | { kind: 'extended-nexthop'; families: ExtendedNextHopFamily[] } // RFC 8950, code 5
  | { kind: 'route-refresh-old' } // pre-standard Cisco code 128, sent by some routers
  | { kind: 'extended-message' } // RFC 8654, code 6
  | { kind: 'role'; role: number } // RFC 9234, code 9
  | {
      // RFC 4724, code 64; `notification` is the N bit of RFC 8538
      kind: 'graceful-restart';
      restarting: boolean;
      notification: boolean;
      restartTime: number;
      families: { afi: number; safi: number; forwardingPreserved: boolean }[];
    }
  | { kind: 'four-octet-as'; asn: number } // RFC 6793, code 65
  | { kind: 'add-path'; families: { afi: number; safi: number; sendReceive: 1 | 2 | 3 }[] } // RFC 7911, code 69
  | { kind: 'enhanced-route-refresh' } // RFC 7313, code 70
  | { kind: 'fqdn'; hostname: string; domain: string } // draft-walton-bgp-hostname-capability, code 73
  | { kind: 'unknown'; code: number; value: Buffer };

/** RFC 8950 3: NLRI of (afi, safi) may carry a next hop of family `nextHopAfi`. */
export interface ExtendedNextHopFamily {
  afi: number;
  safi: number;
  nextHopAfi: number;
}

/** An optional parameter that is not a capability (RFC 4271 4.2); kept raw. */
export interface RawOptionalParameter {
  type: number;
  value: Buffer;
}

export interface OpenMessage {
  type: 'OPEN';
  /** RFC 4271 4.2: always 4. */
  version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS 23456 when the real ASN needs 4 octets). */
  myAsn: number;
  holdTime: number;
  /** BGP Identifier, dotted quad. */
  bgpId: string;
  capabilities: Capability[];
  /** Optional parameters other than capabilities (type != 2), rarely seen; kept raw. */
  otherParameters?: RawOptionalParameter[];
  /**
   * Encode with RFC 9072 extended optional parameters length. The decoder sets it when the peer
   * used that form; the encoder also uses it when the parameters exceed 255 octets.
   */
  extendedOptionalParameters?: boolean;
}

// ---------------------------------------------------------------------------------------------
// UPDATE (RFC 4271 4.3) and path attributes

export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITIES: 32,
  ONLY_TO_CUSTOMER: 35,
} as const;

export type Origin = 0 | 1 | 2; // IGP, EGP, INCOMPLETE

export type AsPathSegmentType = 'AS_SET' | 'AS_SEQUENCE' | 'AS_CONFED_SEQUENCE' | 'AS_CONFED_SET';

export interface AsPathSegment {
  type: AsPathSegmentType;
  asns: number[];
}

export interface Aggregator {
  asn: number;
  address: string;
}

/** RFC 8092 large community: global administrator, local data part 1, local data part 2. */
export type LargeCommunity = [number, number, number];

/** A path attribute the codec does not interpret, kept with its flags so it can be passed on. */
export interface RawAttribute {
  flags: number;
  typeCode: number;
  value: Buffer;
}

export interface MpReach {
  afi: number;
  safi: number;
  /** Global next hop first, then the link-local one when present (RFC 2545 section 3). */
  nextHops: string[];
  nlri: Nlri[];
  /**
   * Families the codec does not interpret (VPN, labeled unicast, EVPN, flowspec...): next hop
   * and NLRI kept as raw bytes so that they round-trip; `nextHops` and `nlri` are then empty.
   */
  rawNextHop?: Buffer;
  rawNlri?: Buffer;
}

export interface MpUnreach {
  afi: number;
  safi: number;
  withdrawn: Nlri[];
  /** Withdrawn NLRI of a family the codec does not interpret, raw (see MpReach). */
  rawWithdrawn?: Buffer;
}

export interface PathAttributes {
  origin?: Origin;
  /**
   * The AS path as it is meant: after RFC 6793 section 4.2.3 merging of AS4_PATH when the
   * session is 2-octet. ASNs are full 32-bit values.
   */
  asPath?: AsPathSegment[];
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  /** RFC 1997 communities as 32-bit values (ASN << 16 | value). */
  communities?: number[];
  /** RFC 4360 extended communities, 8 octets each. */
  extendedCommunities?: Buffer[];
  largeCommunities?: LargeCommunity[];
  /** RFC 9234 5: Only to Customer, the AS that set it. */
  onlyToCustomer?: number;
  originatorId?: string;
  clusterList?: string[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** Attributes the codec does not interpret, in the order received. */
  unknown?: RawAttribute[];
}

export interface UpdateMessage {
  type: 'UPDATE';
  withdrawn: Nlri[];
  attributes: PathAttributes;
  nlri: Nlri[];
}

// ---------------------------------------------------------------------------------------------
// NOTIFICATION (RFC 4271 4.5), KEEPALIVE (4.4), ROUTE-REFRESH (RFC 2918 / RFC 7313)

export interface NotificationMessage {
  type: 'NOTIFICATION';
  code: number;
  subcode: number;
  data: Buffer;
  /**
   * RFC 8203 / RFC 9003 shutdown communication, decoded from `data` for Cease subcodes
   * 2 (Administrative Shutdown) and 4 (Administrative Reset) when present and valid UTF-8.
   */
  shutdownCommunication?: string;
  /** RFC 8538 3: the error a Cease / Hard Reset (subcode 9) wraps, decoded from `data`. */
  hardReset?: { code: number; subcode: number; data: Buffer };
}

export interface KeepaliveMessage {
  type: 'KEEPALIVE';
}

export interface RouteRefreshMessage {
  type: 'ROUTE-REFRESH';
  afi: number;
  safi: number;
  /** RFC 7313 3: 0 normal request, 1 BoRR, 2 EoRR. */
  subtype: number;
  /** RFC 5291 4: Outbound Route Filter entries after the AFI/SAFI, kept raw. */
  orf?: Buffer;
}

export type BgpMessage =
  OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/**
 * Negotiated session state that changes how bytes are read and written, passed explicitly to
 * every decode and encode call.
 */
export interface CodecContext {
  /** RFC 6793: both sides advertised the 4-octet AS capability. */
  fourOctetAs: boolean;
  /** RFC 8654: both sides advertised extended messages; maximum length 65535 instead of 4096. */
  extendedMessage: boolean;
  /** RFC 7911: families ("afi/safi") for which this side receives path identifiers. */
  addPathReceive?: ReadonlySet<string>;
  /** RFC 7911: families ("afi/safi") for which this side sends path identifiers. */
  addPathSend?: ReadonlySet<string>;
  /** The peer is in another AS (eBGP): LOCAL_PREF from it is discarded (RFC 7606 7.5). */
  externalPeer?: boolean;
}

/** Context before OPEN negotiation: 2-octet AS, 4096-octet messages, no ADD-PATH. */
export const DEFAULT_CONTEXT: CodecContext = Object.freeze({
  fourOctetAs: false,
  extendedMessage: false,
});

/** The sender's real ASN: the 4-octet AS capability when present, else the 2-octet field. */
export function openAsn(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.kind === 'four-octet-as') return c.asn;
  return open.myAsn;
}
