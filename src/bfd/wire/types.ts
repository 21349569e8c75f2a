import type { BfdAuthType, BfdDiagnostic, BfdState } from './constants.js';

/** RFC 5880 4.2: Simple Password Authentication section. */
export interface BfdSimplePasswordAuth {
  type: BfdAuthType.SimplePassword;
  keyId: number;
  password: Buffer;
}

/**
 * RFC 5880 4.3 / 4.4: Keyed (and Meticulous Keyed) MD5 and SHA1 sections share one layout:
 * Key ID, Reserved, Sequence Number, then a 16 (MD5) or 20 (SHA1) byte digest.
 */
export interface BfdDigestAuth {
  type:
    | BfdAuthType.KeyedMd5
    | BfdAuthType.MeticulousKeyedMd5
    | BfdAuthType.KeyedSha1
    | BfdAuthType.MeticulousKeyedSha1;
  keyId: number;
  sequence: number;
  digest: Buffer;
}

export type BfdAuthSection = BfdSimplePasswordAuth | BfdDigestAuth;

/** RFC 5880 4.1: one BFD Control packet; intervals in microseconds as on the wire. */
export interface BfdControlPacket {
  version: number;
  diagnostic: BfdDiagnostic;
  state: BfdState;
  poll: boolean;
  final: boolean;
  controlPlaneIndependent: boolean;
  demand: boolean;
  multipoint: boolean;
  detectMult: number;
  myDiscriminator: number;
  yourDiscriminator: number;
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  requiredMinEchoRxUs: number;
  /** Present exactly when the A bit is set. */
  auth?: BfdAuthSection;
}
