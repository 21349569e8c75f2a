/**
 * Protocol numbers of RFC 5880 4.1 (control packet fields) and the UDP ports of RFC 5881 and
 * RFC 5883. Numbers are protocol values: they go on the wire as they are.
 */

/** RFC 5880 4.1: "Vers: The version number of the protocol. This document defines protocol version 1." */
export const BFD_VERSION = 1;

/** RFC 5880 4.1 (Sta): session states as carried on the wire. */
export enum BfdState {
  AdminDown = 0,
  Down = 1,
  Init = 2,
  Up = 3,
}

/** RFC 5880 4.1 (Diag): the local system's reason for the last change in session state. */
export enum BfdDiagnostic {
  NoDiagnostic = 0,
  ControlDetectionTimeExpired = 1,
  EchoFunctionFailed = 2,
  NeighborSignaledSessionDown = 3,
  ForwardingPlaneReset = 4,
  PathDown = 5,
  ConcatenatedPathDown = 6,
  AdministrativelyDown = 7,
  ReverseConcatenatedPathDown = 8,
}

/** RFC 5880 4.1 (Auth Type). */
export enum BfdAuthType {
  Reserved = 0,
  SimplePassword = 1,
  KeyedMd5 = 2,
  MeticulousKeyedMd5 = 3,
  KeyedSha1 = 4,
  MeticulousKeyedSha1 = 5,
}

/** RFC 5880 6.8.6: the mandatory section is 24 bytes; with the A bit at least 26. */
export const BFD_MANDATORY_LENGTH = 24;
export const BFD_MIN_LENGTH_WITH_AUTH = 26;

/** RFC 5880 4.3 / 4.4: fixed Auth Len of the MD5 (24) and SHA1 (28) sections. */
export const BFD_MD5_AUTH_LENGTH = 24;
export const BFD_SHA1_AUTH_LENGTH = 28;
export const BFD_MD5_DIGEST_LENGTH = 16;
export const BFD_SHA1_DIGEST_LENGTH = 20;

/** RFC 5880 4.2: the simple password is 1 to 16 bytes. */
export const BFD_PASSWORD_MIN = 1;
export const BFD_PASSWORD_MAX = 16;

/** RFC 5881 4: single hop control packets go to UDP 3784, echo packets to 3785. */
export const BFD_SINGLE_HOP_PORT = 3784;
export const BFD_ECHO_PORT = 3785;
/** RFC 5883 5: multihop control packets go to UDP 4784. */
export const BFD_MULTIHOP_PORT = 4784;

/** The destination (and listening) port of a hop mode: RFC 5881 4 or RFC 5883 5. */
export function bfdPortFor(multihop: boolean | undefined): number {
  return multihop ? BFD_MULTIHOP_PORT : BFD_SINGLE_HOP_PORT;
}
/** RFC 5881 4: the source port MUST be in the range 49152 through 65535. */
export const BFD_SOURCE_PORT_MIN = 49152;
export const BFD_SOURCE_PORT_MAX = 65535;
/** RFC 5881 5: single hop packets are sent with TTL/Hop Limit 255. */
export const BFD_TTL = 255;

export function isBfdState(n: number): n is BfdState {
  return n >= 0 && n <= 3;
}
