/**
 * From the MetalLB CRs to one parsed, validated configuration (MetalLB internal/config
 * `config.For`), with the error texts MetalLB reports (reference §15). Validation problems are
 * returned as data (`ConfigError`), never thrown: the first problem wins, in MetalLB's order,
 * because that is the one MetalLB shows in ConfigurationState.
 *
 * Two views (reference §7): the controller builds pools only (it skips peer checks, so a
 * missing BFDProfile, Community alias or Secret fails only speakers); a speaker builds
 * everything, for its own node.
 */
import {
  bgpSendTtl,
  MAX_TTL,
  TCP_MD5_MAX_KEY_BYTES,
  type PeerSocketOptions,
} from '../bgp/io/socket-options.js';

import { parseCommunity, type BgpCommunity, communityKey } from './community.js';
import { parseGoDuration, formatGoDuration } from './duration.js';
import { MetallbInputError } from './errors.js';
import { goJoin, goQuote, goQuoteRune } from './go-format.js';
import { type Cidr, cidrsOverlap, cidrContains, formatCIDR, formatIP, parseIP } from './ip.js';
import { anySelectorMatches, selectorProblem } from './labels.js';
import { parseAddressEntry } from './pool.js';
import type {
  BFDProfile,
  BGPAdvertisement,
  BGPPeer,
  ClusterResources,
  IPAddressPool,
  L2Advertisement,
  LabelSelector,
  Node,
} from './types.js';

export type ConfigView =
  | { component: 'controller' }
  | {
      component: 'speaker';
      node: string;
      /**
       * Why this speaker cannot set per-peer socket options (TCP MD5 keys) here: a BGPPeer with
       * a password that selects the node is then refused instead of running unprotected.
       */
      socketOptionsUnavailable?: string;
      /**
       * Why this speaker cannot run sessions in a VRF (undefined: it can): a BGPPeer with that
       * `vrf` selecting the node is refused instead of running in the default VRF. Absent: not
       * checked (the admission webhook's view, which is no node's).
       */
      vrfUnavailable?: (vrf: string) => string | undefined;
      /**
       * Why this speaker cannot run an unnumbered session on an interface (undefined: it can);
       * such a BGPPeer selecting the node is refused. Absent: not checked.
       */
      interfaceUnavailable?: (iface: string) => string | undefined;
    };

/**
 * How FRR names a peer (the key of `show bgp neighbors json`, frr-k8s's BGPSessionState peer):
 * its address, or for an unnumbered peer its interface.
 */
export function frrPeerName(p: Pick<ParsedPeer, 'address' | 'iface'>): string | undefined {
  return p.address ?? p.iface;
}

/** Stable codes for the kinds of configuration error (tests and callers branch on these). */
export type ConfigErrorCode =
  | 'ERR_METALLB_PEER_INVALID'
  | 'ERR_METALLB_PEER_BFD_PROFILE_MISSING'
  | 'ERR_METALLB_PEER_DUPLICATE'
  | 'ERR_METALLB_PEER_SECRET'
  | 'ERR_METALLB_PEER_PASSWORD_UNSUPPORTED'
  | 'ERR_METALLB_PEER_INTERFACE_UNSUPPORTED'
  | 'ERR_METALLB_PEER_VRF_UNSUPPORTED'
  | 'ERR_METALLB_PEER_FRR_MODE'
  | 'ERR_METALLB_BFD_PROFILE_INVALID'
  | 'ERR_METALLB_BFD_PROFILE_IN_USE'
  | 'ERR_METALLB_POOL_INVALID'
  | 'ERR_METALLB_POOL_OVERLAP'
  | 'ERR_METALLB_POOL_DUPLICATE'
  | 'ERR_METALLB_COMMUNITY_INVALID'
  | 'ERR_METALLB_COMMUNITY_DUPLICATE'
  | 'ERR_METALLB_ADVERTISEMENT_INVALID'
  | 'ERR_METALLB_WRONG_NAMESPACE';

export interface ConfigError {
  code: ConfigErrorCode;
  /** MetalLB's error text (without the `configuration error: ` prefix). */
  message: string;
  /** MetalLB's TransientError: a referenced object may simply not exist yet. */
  transient: boolean;
}

export interface ParsedBfdProfile {
  name: string;
  receiveInterval?: number;
  transmitInterval?: number;
  detectMultiplier?: number;
  echoInterval?: number;
  echoMode: boolean;
  passiveMode: boolean;
  minimumTtl?: number;
}

export interface ParsedPeer {
  name: string;
  namespace: string;
  myASN: number;
  /** 0 when dynamicASN is used. */
  asn: number;
  dynamicASN?: 'internal' | 'external';
  localASN?: number;
  /** Canonical address text (Go's String()), absent for unnumbered peers. */
  address?: string;
  iface?: string;
  sourceAddress?: string;
  port: number;
  holdTimeMs?: number;
  keepaliveTimeMs?: number;
  connectTimeMs?: number;
  routerID?: string;
  nodeSelectors: LabelSelector[];
  password: string;
  secretPassword: string;
  bfdProfile: string;
  enableGracefulRestart: boolean;
  ebgpMultiHop: boolean;
  vrf: string;
  disableMP: boolean;
  dualStackAddressFamily: boolean;
}

export interface ParsedBgpAdvertisement {
  name: string;
  aggregationLength: number;
  aggregationLengthV6: number;
  localPref: number;
  communities: BgpCommunity[];
  /** Nodes this advertisement announces from (nodeSelectors over all nodes). */
  nodes: ReadonlySet<string>;
  /** BGPPeer names; empty = all peers. */
  peers: string[];
  serviceSelectors: LabelSelector[];
}

export interface ParsedL2Advertisement {
  name: string;
  nodes: ReadonlySet<string>;
  interfaces: string[];
  allInterfaces: boolean;
  serviceSelectors: LabelSelector[];
}

export interface ParsedServiceAllocation {
  priority: number;
  namespaces: ReadonlySet<string>;
  serviceSelectors: LabelSelector[];
}

export interface ParsedPool {
  name: string;
  labels: Record<string, string>;
  /** In `addresses` order; allocation walks them in this order. */
  cidrs: Cidr[];
  cidrsPerAddress: { address: string; cidrs: Cidr[] }[];
  avoidBuggyIPs: boolean;
  autoAssign: boolean;
  serviceAllocation?: ParsedServiceAllocation;
  bgpAdvertisements: ParsedBgpAdvertisement[];
  l2Advertisements: ParsedL2Advertisement[];
}

export interface MetallbConfig {
  peers: Map<string, ParsedPeer>;
  pools: Map<string, ParsedPool>;
  /** Pool names pinned to a namespace by serviceAllocation. */
  poolsByNamespace: Map<string, string[]>;
  /** Pool names with serviceSelectors, sorted. */
  poolsByServiceSelector: string[];
  bfdProfiles: Map<string, ParsedBfdProfile>;
}

export type ConfigResult = { ok: true; config: MetallbConfig } | { ok: false; error: ConfigError };

class ConfigFailure {
  constructor(readonly error: ConfigError) {}
}

function fail(code: ConfigErrorCode, message: string, transient = false): never {
  throw new ConfigFailure({ code, message, transient });
}

/** Builds the configuration the given component would run with, or its first error. */
export function buildConfig(resources: ClusterResources, view: ConfigView): ConfigResult {
  try {
    return { ok: true, config: build(resources, view) };
  } catch (e) {
    if (e instanceof ConfigFailure) return { ok: false, error: e.error };
    throw new MetallbInputError(`objects not shaped like the API's: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function build(r: ClusterResources, view: ConfigView): MetallbConfig {
  if (view.component === 'controller') {
    // The controller's pool reconciler reads pools and namespaces only.
    const pools = poolsFor(
      { ...r, communities: [], bgpAdvertisements: [], l2Advertisements: [], nodes: [] },
      true,
    );
    return { peers: new Map(), bfdProfiles: new Map(), ...pools };
  }
  const myNode = r.nodes.find((n) => n.metadata.name === view.node);
  discardNativeOnly(r.peers, myNode);
  const bfdProfiles = bfdProfilesFor(r.bfdProfiles);
  const peers = peersFor(r, bfdProfiles);
  const pools = poolsFor(r, false);
  const cfg: MetallbConfig = { peers, bfdProfiles, ...pools };
  validateBfdEchoOnV6(cfg);
  refuseUnenforceablePasswords(r.peers, peers, myNode, view.socketOptionsUnavailable);
  refuseUnrunnablePeers(r.peers, peers, myNode, view);
  return cfg;
}

/**
 * A BGPPeer this node cannot run is a configuration error of this node's speaker, said in its
 * ConfigurationState: a VRF it cannot run (no interface of the node in it, no VRF support in this
 * backend; never a session run in the default VRF instead), an unnumbered `interface` it cannot
 * run (no such interface, nothing on the link to peer with, a backend without Router
 * Advertisements). Never a session silently missing under a Valid ConfigurationState.
 */
function refuseUnrunnablePeers(
  crs: BGPPeer[],
  peers: Map<string, ParsedPeer>,
  myNode: Node | undefined,
  view: {
    vrfUnavailable?: (vrf: string) => string | undefined;
    interfaceUnavailable?: (iface: string) => string | undefined;
  },
): void {
  for (const cr of crs) {
    const p = peers.get(cr.metadata.name ?? '');
    if (!p || !peerSelectsNode(cr, myNode)) continue;
    const vrfWhy = p.vrf ? view.vrfUnavailable?.(p.vrf) : undefined;
    if (vrfWhy) fail('ERR_METALLB_PEER_VRF_UNSUPPORTED', `peer ${p.name}: VRF ${p.vrf}: ${vrfWhy}`);
    const ifaceWhy = p.iface ? view.interfaceUnavailable?.(p.iface) : undefined;
    if (ifaceWhy)
      fail(
        'ERR_METALLB_PEER_INTERFACE_UNSUPPORTED',
        `peer ${p.name}: interface ${p.iface}: ${ifaceWhy}`,
      );
  }
}

/**
 * A password FRR would enforce but this speaker cannot (no TCP_MD5SIG here, or a key longer
 * than Linux takes) is a configuration error of this node's speaker, never a session run
 * without RFC 2385 protection or one silently refused under a Valid ConfigurationState.
 */
function refuseUnenforceablePasswords(
  crs: BGPPeer[],
  peers: Map<string, ParsedPeer>,
  myNode: Node | undefined,
  unavailable: string | undefined,
): void {
  for (const cr of crs) {
    const p = peers.get(cr.metadata.name ?? '');
    const key = p && peerMd5Key(p);
    if (!p || !key || !peerSelectsNode(cr, myNode)) continue;
    if (unavailable) {
      fail(
        'ERR_METALLB_PEER_PASSWORD_UNSUPPORTED',
        `peer ${p.name}: cannot set its TCP MD5 password: ${unavailable}`,
      );
    }
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > TCP_MD5_MAX_KEY_BYTES) {
      fail(
        'ERR_METALLB_PEER_PASSWORD_UNSUPPORTED',
        `peer ${p.name}: password is ${bytes} bytes, TCP MD5 keys are at most ${TCP_MD5_MAX_KEY_BYTES} (Linux TCP_MD5SIG_MAXKEYLEN)`,
      );
    }
  }
}

/** The RFC 2385 key of a peer: `password`, or the one read from `passwordSecret`. */
export function peerMd5Key(p: ParsedPeer): string | undefined {
  return p.password || p.secretPassword || undefined;
}

/** Per-peer socket options for a MetalLB peer, as frr-k8s's FRR sets them. */
export function peerSocketOptions(p: ParsedPeer): PeerSocketOptions {
  const internal = p.dynamicASN === 'internal' || p.asn === (p.localASN ?? p.myASN);
  // frr-k8s renders `neighbor X ebgp-multihop` without a count: FRR's MAXTTL.
  const ttl = bgpSendTtl({ internal, ebgpMultihop: p.ebgpMultiHop ? MAX_TTL : undefined });
  const md5Key = peerMd5Key(p);
  return md5Key ? { md5Key, ttl } : { ttl };
}

// ---- frr / frr-k8s mode restrictions (MetalLB DiscardNativeOnly) ----

function peerSelectsNode(p: BGPPeer, node: Node | undefined): boolean {
  if (!node) return true;
  return anySelectorMatches(p.spec.nodeSelectors, node.metadata.labels);
}

function discardNativeOnly(peers: BGPPeer[], myNode: Node | undefined): void {
  if (peers.length > 1) {
    const routerID = peers[0]!.spec.routerID ?? '';
    for (const p of peers.slice(1)) {
      if ((p.spec.routerID ?? '') !== routerID) {
        fail(
          'ERR_METALLB_PEER_FRR_MODE',
          `peer ${p.spec.routerID ?? ''} has RouterID different from ${routerID}, in FRR mode all RouterID must be equal`,
        );
      }
    }
    // Two BGPPeers for the same neighbour on one node would be one FRR neighbour.
    const seen = new Set<string>();
    for (const p of peers) {
      if (!peerSelectsNode(p, myNode)) continue;
      const id = `${p.spec.peerAddress || p.spec.interface || ''}-${p.spec.vrf ?? ''}`;
      if (seen.has(id)) {
        fail(
          'ERR_METALLB_PEER_DUPLICATE',
          `peer ${p.spec.peerAddress ?? p.spec.interface ?? ''} already exists, FRR mode doesn't support duplicate BGPPeers selecting the same node`,
        );
      }
      seen.add(id);
    }
  }
  for (const p of peers) {
    for (const p1 of peers.slice(1)) {
      if (p.spec.myASN !== p1.spec.myASN && (p.spec.vrf ?? '') === (p1.spec.vrf ?? '')) {
        fail(
          'ERR_METALLB_PEER_FRR_MODE',
          `peer ${p.spec.peerAddress ?? ''} has myAsn different from ${p1.spec.peerAddress ?? ''}, in FRR mode all myAsn must be equal for the same VRF`,
        );
      }
    }
  }
}

// ---- BFD profiles ----

function bfdInt(v: number | undefined, min: number, max: number, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(
      goJoin(`invalid value ${v}, must be in ${min}-${max} range`, `invalid ${what} value`),
    );
  }
  return v;
}

function bfdProfilesFor(profiles: BFDProfile[]): Map<string, ParsedBfdProfile> {
  const res = new Map<string, ParsedBfdProfile>();
  profiles.forEach((p, i) => {
    const name = p.metadata.name ?? '';
    let parsed: ParsedBfdProfile;
    // A BFDProfile may come with no spec at all: every field is optional (FRR defaults apply).
    const spec = p.spec ?? {};
    try {
      if (!name) throw new Error('missing bfd profile name');
      parsed = {
        name,
        detectMultiplier: bfdInt(spec.detectMultiplier, 2, 255, 'detect multiplier'),
        receiveInterval: bfdInt(spec.receiveInterval, 10, 60000, 'receive interval'),
        transmitInterval: bfdInt(spec.transmitInterval, 10, 60000, 'transmit interval'),
        minimumTtl: bfdInt(spec.minimumTtl, 1, 254, 'minimum ttl'),
        echoInterval: bfdInt(spec.echoInterval, 10, 60000, 'echo interval'),
        echoMode: spec.echoMode ?? false,
        passiveMode: spec.passiveMode ?? false,
      };
    } catch (e) {
      fail(
        'ERR_METALLB_BFD_PROFILE_INVALID',
        `parsing bfd profile #${i + 1}: ${(e as Error).message}`,
      );
    }
    if (res.has(name))
      fail('ERR_METALLB_BFD_PROFILE_INVALID', `found duplicate bfd profile name ${name}`);
    res.set(name, parsed);
  });
  return res;
}

// ---- peers ----

function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ns = parseGoDuration(text);
  return ns === undefined ? undefined : ns / 1e6;
}

function quoteDuration(text: string | undefined): string {
  if (text === undefined) return '<nil>';
  const ns = parseGoDuration(text);
  return goQuote(ns === undefined ? text : formatGoDuration(ns));
}

/** MetalLB parseTimers: hold only -> keepalive = hold/3; keepalive only -> hold = 3*keepalive. */
function parseTimers(
  ht: string | undefined,
  ka: string | undefined,
): { hold?: number; keepalive?: number } {
  if (ht === undefined && ka === undefined) return {};
  const htMs = durationMs(ht);
  const kaMs = durationMs(ka);
  if ((ht !== undefined && htMs === undefined) || (ka !== undefined && kaMs === undefined)) {
    throw new PeerProblem(
      'ERR_METALLB_PEER_INVALID',
      `invalid BGPPeer timers: time: invalid duration ${goQuote(ht ?? ka ?? '')}`,
    );
  }
  const hold = htMs ?? (kaMs as number) * 3;
  const keepalive = kaMs ?? (htMs as number) / 3;
  // RFC 4271 4.2: the hold time MUST be either zero or at least three seconds.
  const rounded = Math.trunc(hold / 1000);
  if (rounded !== 0 && rounded < 3) {
    throw new PeerProblem(
      'ERR_METALLB_PEER_INVALID',
      `invalid BGPPeer timers: invalid hold time ${quoteDuration(ht)}: must be 0 or >=3s`,
    );
  }
  if (keepalive > hold) {
    throw new PeerProblem(
      'ERR_METALLB_PEER_INVALID',
      `invalid BGPPeer timers: invalid keepaliveTime ${quoteDuration(ka)}, must be lower than holdTime ${quoteDuration(ht)}`,
    );
  }
  return { hold, keepalive };
}

class PeerProblem extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly transient = false,
  ) {
    super(message);
  }
}

function secretPasswordFor(p: BGPPeer, secrets: ClusterResources['passwordSecrets']): string {
  const ns = p.metadata.namespace ?? '';
  const name = p.metadata.name ?? '';
  const ref = p.spec.passwordSecret?.name ?? '';
  const secret = secrets[ref];
  const wrap = (m: string, transient = false): PeerProblem =>
    new PeerProblem(
      'ERR_METALLB_PEER_SECRET',
      goJoin(m, `failed to parse peer ${name} password secret`),
      transient,
    );
  if (!secret) {
    throw wrap(`secret ref not found for peer config ${goQuote(ns)}/${goQuote(name)}`, true);
  }
  const sns = secret.metadata.namespace ?? '';
  const sname = secret.metadata.name ?? '';
  if (secret.type !== 'kubernetes.io/basic-auth') {
    throw wrap(
      `secret type mismatch on ${goQuote(sns)}/${goQuote(sname)}, type ${goQuote('kubernetes.io/basic-auth')} is expected `,
    );
  }
  const b64 = secret.data?.['password'];
  if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
  const plain = secret.stringData?.['password'];
  if (plain !== undefined) return plain;
  throw wrap(`password not specified in the secret ${goQuote(sns)}/${goQuote(sname)}`);
}

/**
 * The password a BGPPeer configures (`password`, or its `passwordSecret` read as MetalLB reads
 * it), or undefined when it has none or its Secret is missing or unusable.
 */
export function bgpPeerPassword(
  p: BGPPeer,
  secrets: ClusterResources['passwordSecrets'],
): string | undefined {
  if (p.spec.password) return p.spec.password;
  if (!p.spec.passwordSecret?.name) return undefined;
  try {
    return secretPasswordFor(p, secrets) || undefined;
  } catch (e) {
    if (e instanceof PeerProblem) return undefined;
    throw e;
  }
}

function peerFromCR(p: BGPPeer, secrets: ClusterResources['passwordSecrets']): ParsedPeer {
  const s = p.spec;
  const asn = s.peerASN ?? 0;
  const dyn = s.dynamicASN ?? '';
  if (!s.myASN) throw new PeerProblem('ERR_METALLB_PEER_INVALID', 'missing local ASN');
  if (asn === 0 && dyn === '')
    throw new PeerProblem('ERR_METALLB_PEER_INVALID', 'missing peer ASN and dynamicASN');
  if (asn !== 0 && dyn !== '')
    throw new PeerProblem('ERR_METALLB_PEER_INVALID', 'both peer ASN and dynamicASN specified');
  if (dyn !== '' && dyn !== 'internal' && dyn !== 'external') {
    throw new PeerProblem('ERR_METALLB_PEER_INVALID', `invalid dynamicASN ${dyn}`);
  }
  // RFC 4271 5.1.3 / FRR: multihop is an eBGP setting; an iBGP session is never single-hop-bound.
  if ((asn === s.myASN || dyn === 'internal') && s.ebgpMultiHop) {
    throw new PeerProblem(
      'ERR_METALLB_PEER_INVALID',
      'invalid ebgp-multihop parameter set for an ibgp peer',
    );
  }
  const addrText = s.peerAddress ?? '';
  const iface = s.interface ?? '';
  if (addrText === '' && iface === '')
    throw new PeerProblem('ERR_METALLB_PEER_INVALID', 'peer has no Address or Interface specified');
  if (addrText !== '' && iface !== '')
    throw new PeerProblem(
      'ERR_METALLB_PEER_INVALID',
      'peer has both Address and Interface specified',
    );
  let address: string | undefined;
  if (addrText !== '') {
    const ip = parseIP(addrText);
    if (!ip)
      throw new PeerProblem(
        'ERR_METALLB_PEER_INVALID',
        `invalid BGPPeer address ${goQuote(addrText)}`,
      );
    address = formatIP(ip);
  }
  const timers = parseTimers(s.holdTime, s.keepaliveTime);
  let routerID: string | undefined;
  if (s.routerID) {
    const ip = parseIP(s.routerID);
    if (!ip)
      throw new PeerProblem('ERR_METALLB_PEER_INVALID', `invalid router ID ${goQuote(s.routerID)}`);
    routerID = formatIP(ip);
  }
  let sourceAddress: string | undefined;
  if (s.sourceAddress) {
    const ip = parseIP(s.sourceAddress);
    if (!ip)
      throw new PeerProblem(
        'ERR_METALLB_PEER_INVALID',
        `invalid source IP ${goQuote(s.sourceAddress)}`,
      );
    sourceAddress = formatIP(ip);
  }
  for (const sel of s.nodeSelectors ?? []) {
    const problem = selectorProblem(sel);
    if (problem) {
      throw new PeerProblem(
        'ERR_METALLB_PEER_INVALID',
        goJoin(problem, `failed to convert peer ${p.metadata.name ?? ''} node selector`),
      );
    }
  }
  if (s.password && s.passwordSecret?.name) {
    throw new PeerProblem(
      'ERR_METALLB_PEER_INVALID',
      `can not have both password and secret ref set in peer config ${goQuote(p.metadata.namespace ?? '')}/${goQuote(p.metadata.name ?? '')}`,
    );
  }
  const secretPassword = s.passwordSecret?.name ? secretPasswordFor(p, secrets) : '';
  return {
    name: p.metadata.name ?? '',
    namespace: p.metadata.namespace ?? '',
    myASN: s.myASN,
    asn,
    dynamicASN: dyn === '' ? undefined : (dyn as 'internal' | 'external'),
    localASN: s.localASN,
    address,
    iface: iface || undefined,
    sourceAddress,
    port: s.peerPort ?? 179,
    holdTimeMs: timers.hold,
    keepaliveTimeMs: timers.keepalive,
    connectTimeMs: durationMs(s.connectTime),
    routerID,
    nodeSelectors: s.nodeSelectors ?? [],
    password: s.password ?? '',
    secretPassword,
    bfdProfile: s.bfdProfile ?? '',
    enableGracefulRestart: s.enableGracefulRestart ?? false,
    ebgpMultiHop: s.ebgpMultiHop ?? false,
    vrf: s.vrf ?? '',
    disableMP: s.disableMP ?? false,
    dualStackAddressFamily: s.dualStackAddressFamily ?? false,
  };
}

function peersFor(
  r: ClusterResources,
  bfd: Map<string, ParsedBfdProfile>,
): Map<string, ParsedPeer> {
  const res = new Map<string, ParsedPeer>();
  for (const p of r.peers) {
    let peer: ParsedPeer;
    try {
      peer = peerFromCR(p, r.passwordSecrets);
    } catch (e) {
      if (!(e instanceof PeerProblem)) throw e;
      fail(e.code, goJoin(e.message, `parsing peer ${p.metadata.name ?? ''}`), e.transient);
    }
    if (peer.bfdProfile !== '' && !bfd.has(peer.bfdProfile)) {
      fail(
        'ERR_METALLB_PEER_BFD_PROFILE_MISSING',
        `peer ${peer.name} referencing non existing bfd profile ${peer.bfdProfile}`,
        true,
      );
    }
    res.set(peer.name, peer);
  }
  return res;
}

// ---- communities, pools, advertisements ----

function communitiesFor(r: ClusterResources): Map<string, BgpCommunity> {
  const res = new Map<string, BgpCommunity>();
  for (const c of r.communities) {
    for (const alias of c.spec.communities ?? []) {
      const parsed = parseCommunity(alias.value);
      if (!parsed.ok) {
        fail(
          'ERR_METALLB_COMMUNITY_INVALID',
          `parsing community ${goQuote(alias.name)}: ${parsed.message}`,
        );
      }
      if (res.has(alias.name)) {
        fail(
          'ERR_METALLB_COMMUNITY_DUPLICATE',
          `duplicate definition of community ${goQuote(alias.name)}`,
        );
      }
      res.set(alias.name, parsed.community);
    }
  }
  return res;
}

function duplicateIn(list: readonly string[] | undefined, what: string): void {
  const l = list ?? [];
  for (let i = 0; i < l.length; i++) {
    for (let j = i + 1; j < l.length; j++) {
      if (l[i] === l[j])
        fail(
          'ERR_METALLB_ADVERTISEMENT_INVALID',
          `duplicate definition of ${what} ${goQuote(l[i]!)}`,
        );
    }
  }
}

function selectorsUsable(
  sels: readonly LabelSelector[] | undefined,
  code: ConfigErrorCode,
  context: string,
): void {
  for (const sel of sels ?? []) {
    const problem = selectorProblem(sel);
    if (problem) fail(code, goJoin(problem, context));
    const seen = new Set<string>();
    for (const req of sel.matchExpressions ?? []) {
      const values = req.values ?? [];
      if (new Set(values).size !== values.length) {
        fail(code, `duplicate definition of match expression value in label selector`);
      }
      const key = `${req.key} ${req.operator} ${[...values].sort().join(',')}`;
      if (seen.has(key)) fail(code, `duplicate definition of match expressions`);
      seen.add(key);
    }
  }
  const texts = (sels ?? []).map((s) => JSON.stringify(normaliseSelector(s)));
  if (new Set(texts).size !== texts.length)
    fail(code, `duplicate definition of selectors in ${context}`);
}

function normaliseSelector(s: LabelSelector): unknown {
  const ml = Object.entries(s.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const me = (s.matchExpressions ?? []).map((e) => [
    e.key,
    e.operator,
    [...(e.values ?? [])].sort(),
  ]);
  return [ml, me];
}

function selectedNodes(nodes: Node[], sels: readonly LabelSelector[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const n of nodes) {
    if (anySelectorMatches(sels, n.metadata.labels)) out.add(n.metadata.name ?? '');
  }
  return out;
}

function selectedPoolNames(
  pools: IPAddressPool[],
  sels: readonly LabelSelector[] | undefined,
): string[] {
  if (!sels || sels.length === 0) return [];
  return pools
    .filter((p) => sels.some((s) => anySelectorMatches([s], p.metadata.labels)))
    .map((p) => p.metadata.name ?? '');
}

function addressPoolFromCR(p: IPAddressPool, r: ClusterResources): ParsedPool {
  const name = p.metadata.name ?? '';
  if (!name) throw new Error('missing pool name');
  if (!p.spec.addresses || p.spec.addresses.length === 0)
    throw new Error('pool has no prefixes defined');
  const cidrs: Cidr[] = [];
  const cidrsPerAddress: ParsedPool['cidrsPerAddress'] = [];
  for (const a of p.spec.addresses) {
    const parsed = parseAddressEntry(a);
    if (!parsed.ok)
      throw new Error(`invalid CIDR ${goQuote(a)} in pool ${goQuote(name)}: ${parsed.message}`);
    cidrs.push(...parsed.cidrs);
    cidrsPerAddress.push({ address: a, cidrs: parsed.cidrs });
  }
  let serviceAllocation: ParsedServiceAllocation | undefined;
  const sa = p.spec.serviceAllocation;
  if (sa) {
    const namespaces = new Set<string>();
    for (const ns of sa.namespaces ?? []) {
      if (namespaces.has(ns)) throw new Error('duplicate definition in namespaces field');
      namespaces.add(ns);
    }
    for (const sel of sa.namespaceSelectors ?? []) {
      const problem = selectorProblem(sel);
      if (problem)
        throw new Error(goJoin(problem, `invalid namespace label selector in ip pool ${name}`));
      for (const ns of r.namespaces) {
        if (anySelectorMatches([sel], ns.metadata.labels)) namespaces.add(ns.metadata.name ?? '');
      }
    }
    for (const sel of sa.serviceSelectors ?? []) {
      const problem = selectorProblem(sel);
      if (problem)
        throw new Error(goJoin(problem, `invalid service label selector in ip pool ${name}`));
    }
    serviceAllocation = {
      priority: sa.priority ?? 0,
      namespaces,
      serviceSelectors: sa.serviceSelectors ?? [],
    };
  }
  return {
    name,
    labels: p.metadata.labels ?? {},
    cidrs,
    cidrsPerAddress,
    avoidBuggyIPs: p.spec.avoidBuggyIPs ?? false,
    autoAssign: p.spec.autoAssign ?? true,
    serviceAllocation,
    bgpAdvertisements: [],
    l2Advertisements: [],
  };
}

function nodeIPs(nodes: Node[]): ReturnType<typeof parseIP>[] {
  return nodes.flatMap((n) =>
    (n.status?.addresses ?? [])
      .filter((a) => a.type === 'InternalIP')
      .map((a) => parseIP(a.address)),
  );
}

function bgpAdvertisementFromCR(
  ad: BGPAdvertisement,
  communities: Map<string, BgpCommunity>,
  nodes: Node[],
  ignoreMissingAliases: boolean,
): ParsedBgpAdvertisement {
  const s = ad.spec;
  duplicateIn(s.ipAddressPools, 'ipAddressPools');
  duplicateIn(s.communities, 'community');
  duplicateIn(s.peers, 'peers');
  advertisementSelectorsUsable(s);
  const aggregationLength = s.aggregationLength ?? 32;
  if (aggregationLength > 32) {
    fail(
      'ERR_METALLB_ADVERTISEMENT_INVALID',
      `invalid aggregation length ${goQuoteRune(aggregationLength)} for IPv4`,
    );
  }
  const aggregationLengthV6 = s.aggregationLengthV6 ?? 128;
  if (aggregationLengthV6 > 128) {
    fail(
      'ERR_METALLB_ADVERTISEMENT_INVALID',
      `invalid aggregation length ${goQuoteRune(aggregationLengthV6)} for IPv6`,
    );
  }
  const parsedCommunities: BgpCommunity[] = [];
  const seen = new Set<string>();
  for (const c of s.communities ?? []) {
    let value = communities.get(c);
    if (!value) {
      const parsed = parseCommunity(c);
      if (!parsed.ok) {
        // An unknown alias is transient: the Community CR may not have arrived yet.
        if (parsed.problem === 'format' && ignoreMissingAliases) continue;
        fail(
          'ERR_METALLB_COMMUNITY_INVALID',
          goJoin(parsed.message, `invalid community ${goQuote(c)} in BGP advertisement`),
          parsed.problem === 'format',
        );
      }
      value = parsed.community;
    }
    if (!seen.has(communityKey(value))) {
      seen.add(communityKey(value));
      parsedCommunities.push(value);
    }
  }
  return {
    name: ad.metadata.name ?? '',
    aggregationLength,
    aggregationLengthV6,
    localPref: s.localPref ?? 0,
    communities: parsedCommunities,
    nodes: selectedNodes(nodes, s.nodeSelectors),
    peers: [...(s.peers ?? [])],
    serviceSelectors: s.serviceSelectors ?? [],
  };
}

function advertisementsAreCompatible(
  a: ParsedBgpAdvertisement,
  b: ParsedBgpAdvertisement,
): boolean {
  if (
    a.aggregationLength !== b.aggregationLength &&
    a.aggregationLengthV6 !== b.aggregationLengthV6
  )
    return true;
  if (a.peers.length > 0 && b.peers.length > 0 && !a.peers.some((p) => b.peers.includes(p)))
    return true;
  for (const n of a.nodes) if (b.nodes.has(n)) return false;
  return true;
}

function validateBgpAdvPerPool(adv: ParsedBgpAdvertisement, pool: ParsedPool): void {
  for (const { address, cidrs } of pool.cidrsPerAddress) {
    if (cidrs.length === 0) continue;
    const maxLength = cidrs[0]!.family === 'ipv4' ? adv.aggregationLength : adv.aggregationLengthV6;
    const lowest = Math.min(...cidrs.map((c) => c.prefix));
    if (maxLength < lowest) {
      fail(
        'ERR_METALLB_ADVERTISEMENT_INVALID',
        `invalid aggregation length ${adv.aggregationLength}: prefix ${lowest} in this pool is more specific than the aggregation length for addresses ${address}`,
      );
    }
  }
  for (const other of pool.bgpAdvertisements) {
    if (adv.localPref !== other.localPref && !advertisementsAreCompatible(adv, other)) {
      fail(
        'ERR_METALLB_ADVERTISEMENT_INVALID',
        `invalid local preference ${adv.localPref}: local preferernce ${other.localPref} was already set for the same type of BGP update. Check existing BGP advertisements with common pools and aggregation lengths`,
      );
    }
  }
}

function poolsFor(
  r: ClusterResources,
  controller: boolean,
): Pick<MetallbConfig, 'pools' | 'poolsByNamespace' | 'poolsByServiceSelector'> {
  const communities = communitiesFor(r);
  const pools = new Map<string, ParsedPool>();
  const all: Cidr[] = [];
  const nodeAddrs = nodeIPs(r.nodes);
  for (const p of r.pools) {
    let pool: ParsedPool;
    try {
      pool = addressPoolFromCR(p, r);
    } catch (e) {
      fail(
        'ERR_METALLB_POOL_INVALID',
        `parsing address pool ${p.metadata.name ?? ''}: ${(e as Error).message}`,
      );
    }
    if (pools.has(pool.name))
      fail('ERR_METALLB_POOL_DUPLICATE', `duplicate definition of pool ${goQuote(pool.name)}`);
    for (const c of pool.cidrs) {
      for (const m of all) {
        if (cidrsOverlap(c, m)) {
          fail(
            'ERR_METALLB_POOL_OVERLAP',
            `CIDR ${goQuote(formatCIDR(c))} in pool ${goQuote(pool.name)} overlaps with already defined CIDR ${goQuote(formatCIDR(m))}`,
          );
        }
      }
      for (const ip of nodeAddrs) {
        if (ip && cidrContains(c, ip)) {
          fail(
            'ERR_METALLB_POOL_INVALID',
            `pool cidr ${goQuote(formatCIDR(c))} contains nodeIp ${goQuote(formatIP(ip))}`,
          );
        }
      }
      all.push(c);
    }
    pools.set(pool.name, pool);
  }

  for (const l2 of r.l2Advertisements) attachL2(l2, r, pools);

  const ads = r.bgpAdvertisements;
  for (let i = 0; i < ads.length; i++) {
    for (let j = i + 1; j < ads.length; j++) {
      if (JSON.stringify(ads[i]) === JSON.stringify(ads[j])) {
        fail(
          'ERR_METALLB_ADVERTISEMENT_INVALID',
          `duplicate definition of bgpadvertisements. advertisement ${i + 1} and ${j + 1} are equal`,
        );
      }
    }
  }
  for (const ad of ads) {
    const parsed = bgpAdvertisementFromCR(ad, communities, r.nodes, controller);
    const names = targetPools(
      ad.spec.ipAddressPools,
      ad.spec.ipAddressPoolSelectors,
      r.pools,
      pools,
    );
    for (const name of names) {
      const pool = pools.get(name);
      if (!pool) continue;
      validateBgpAdvPerPool(parsed, pool);
      pool.bgpAdvertisements.push(parsed);
    }
  }

  const poolsByNamespace = new Map<string, string[]>();
  const poolsByServiceSelector: string[] = [];
  for (const pool of pools.values()) {
    if (!pool.serviceAllocation) continue;
    for (const ns of pool.serviceAllocation.namespaces) {
      poolsByNamespace.set(ns, [...(poolsByNamespace.get(ns) ?? []), pool.name]);
    }
    if (pool.serviceAllocation.serviceSelectors.length > 0) poolsByServiceSelector.push(pool.name);
  }
  poolsByServiceSelector.sort();
  return { pools, poolsByNamespace, poolsByServiceSelector };
}

/** Both lists empty selects every pool. */
function targetPools(
  names: string[] | undefined,
  selectors: LabelSelector[] | undefined,
  crs: IPAddressPool[],
  pools: Map<string, ParsedPool>,
): string[] {
  if ((names ?? []).length === 0 && (selectors ?? []).length === 0) return [...pools.keys()];
  return [...new Set([...(names ?? []), ...selectedPoolNames(crs, selectors)])];
}

/** Both advertisement kinds refuse the same unusable pool and node selectors. */
function advertisementSelectorsUsable(s: {
  ipAddressPoolSelectors?: Parameters<typeof selectorsUsable>[0];
  nodeSelectors?: Parameters<typeof selectorsUsable>[0];
}): void {
  selectorsUsable(
    s.ipAddressPoolSelectors,
    'ERR_METALLB_ADVERTISEMENT_INVALID',
    'ipAddressPoolSelectors',
  );
  selectorsUsable(s.nodeSelectors, 'ERR_METALLB_ADVERTISEMENT_INVALID', 'nodeSelectors');
}

function attachL2(l2: L2Advertisement, r: ClusterResources, pools: Map<string, ParsedPool>): void {
  const s = l2.spec;
  duplicateIn(s.ipAddressPools, 'ipAddressPools');
  advertisementSelectorsUsable(s);
  const adv: ParsedL2Advertisement = {
    name: l2.metadata.name ?? '',
    nodes: selectedNodes(r.nodes, s.nodeSelectors),
    interfaces: [...(s.interfaces ?? [])],
    allInterfaces: (s.interfaces ?? []).length === 0,
    serviceSelectors: s.serviceSelectors ?? [],
  };
  for (const name of targetPools(s.ipAddressPools, s.ipAddressPoolSelectors, r.pools, pools)) {
    pools.get(name)?.l2Advertisements.push(adv);
  }
}

/** BFD echo cannot run over IPv6 sessions: a v6 pool advertised to an echo peer is refused. */
function validateBfdEchoOnV6(cfg: MetallbConfig): void {
  const echo = (peer: ParsedPeer): boolean =>
    cfg.bfdProfiles.get(peer.bfdProfile)?.echoMode ?? false;
  for (const p of cfg.pools.values()) {
    if (!p.cidrs.some((c) => c.family === 'ipv6')) continue;
    for (const a of p.bgpAdvertisements) {
      const targets =
        a.peers.length === 0
          ? [...cfg.peers.values()]
          : a.peers.flatMap((n) => cfg.peers.get(n) ?? []);
      for (const peer of targets) {
        if (echo(peer)) {
          fail(
            'ERR_METALLB_ADVERTISEMENT_INVALID',
            `pool ${p.name} has bgpadvertisement ${a.name} which references peer ${peer.name} which has bfd echo enabled, which is not possible`,
          );
        }
      }
    }
  }
}

/** The admission webhooks refuse MetalLB objects outside MetalLB's namespace. */
export function namespaceProblem(
  objectNamespace: string | undefined,
  metallbNamespace: string,
): ConfigError | undefined {
  if (objectNamespace === metallbNamespace) return undefined;
  return {
    code: 'ERR_METALLB_WRONG_NAMESPACE',
    message: `resource must be created in ${metallbNamespace} namespace`,
    transient: false,
  };
}
