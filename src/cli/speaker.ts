/**
 * `speakersim speaker --config FILE`: one standalone speaker peering with any router (FRR,
 * BIRD, a hardware box in a lab), advertising the routes the file lists, with BFD beside each
 * session if asked. It listens on TCP 179 too (so passive peers come up), prints every
 * transition and every route the peers send (Adj-RIB-In; SIGUSR1 prints the whole table),
 * re-reads the file on SIGHUP (announcing and withdrawing the difference), and on Ctrl-C takes
 * BFD administratively down (RFC 5880 6.8.16, so peers do not see a failure) and sends Cease/2
 * with the shutdown communication (RFC 9003), or none with `--no-shutdown-message`.
 * With `--kubeconfig` it keeps one BGPSessionState per peer in that cluster (frr-k8s's shape,
 * written on every BGP and BFD transition) and deletes them on stop.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { Ajv } from 'ajv';
import { SystemClock, type Clock } from '../core/clock.js';
import { systemRandom, type Random } from '../core/random.js';
import { TcpTransport } from '../bgp/io/tcp.js';
import type { Transport } from '../bgp/io/transport.js';
import { Speaker } from '../bgp/speaker.js';
import { Neighbor } from '../bgp/neighbor.js';
import type { RouteAttributes } from '../bgp/rib.js';
import {
  describeNotification,
  formatCommunity,
  parseCommunity,
  parseLargeCommunity,
  type PathAttributes,
} from '../bgp/wire/index.js';
import {
  BFD_STATE_NAMES,
  BfdSessionTable,
  BfdState,
  bfdPortFor,
  createUdpBfdTransport,
  type BfdTransportFactory,
} from '../bfd/index.js';
import type { Output } from './output.js';
import { fnv1a } from '../core/hash.js';
import type { BfdDiscardReason } from '../bfd/wire/discard.js';
import { MessageTally } from '../metallb/message-tally.js';
import type { SpeakerMetricsSource } from '../metallb/metrics.js';
import { PcapWriter } from '../scenario/report/pcap.js';
import { tapBfdTransport } from '../scenario/runner/bfd-tap.js';
import { SpeakersimError } from '../core/errors.js';
import { bfdSessionStatus } from '../metallb/bfd-profile.js';
// Types only: the Kubernetes client loads when --kubeconfig asks for it (start-up time).
import type { SessionStates } from '../metallb/runtime/session-states.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['asn', 'peers'],
  properties: {
    node: { type: 'string' },
    localAddress: { type: 'string' },
    asn: { type: 'integer', minimum: 1, maximum: 4294967295 },
    routerId: { type: 'string' },
    /** TCP port to accept BGP connections on (RFC 4271 8: either side opens); 0: do not listen. */
    listenPort: { type: 'integer', minimum: 0, maximum: 65535 },
    peers: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['address', 'asn'],
        properties: {
          address: { type: 'string' },
          asn: {
            anyOf: [
              { type: 'integer', minimum: 1, maximum: 4294967295 },
              { enum: ['internal', 'external'] },
            ],
          },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          localAddress: { type: 'string' },
          holdTime: { type: 'integer', minimum: 0, maximum: 65535 },
          keepalive: { type: 'integer', minimum: 1, maximum: 65535 },
          connectRetry: { type: 'integer', minimum: 1, maximum: 65535 },
          passive: { type: 'boolean' },
          password: { type: 'string' },
          bfd: {
            type: 'object',
            additionalProperties: false,
            // BFDProfile's field names and ranges (docs/metallb-crs.md section 10).
            properties: {
              receiveInterval: { type: 'integer', minimum: 10, maximum: 60000 },
              transmitInterval: { type: 'integer', minimum: 10, maximum: 60000 },
              detectMultiplier: { type: 'integer', minimum: 2, maximum: 255 },
              passiveMode: { type: 'boolean' },
              multihop: { type: 'boolean' },
            },
          },
        },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['prefix'],
        properties: {
          prefix: { type: 'string' },
          nextHop: { type: 'string' },
          communities: { type: 'array', items: { type: 'string' } },
          largeCommunities: { type: 'array', items: { type: 'string' } },
          localPref: { type: 'integer', minimum: 0 },
          med: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
} as const;

interface SpeakerFile {
  node?: string;
  localAddress?: string;
  asn: number;
  routerId?: string;
  listenPort?: number;
  peers: {
    address: string;
    asn: number | 'internal' | 'external';
    port?: number;
    localAddress?: string;
    holdTime?: number;
    keepalive?: number;
    connectRetry?: number;
    passive?: boolean;
    password?: string;
    bfd?: {
      receiveInterval?: number;
      transmitInterval?: number;
      detectMultiplier?: number;
      passiveMode?: boolean;
      /** RFC 5883 multihop session (UDP 4784), as FRR runs one beside `ebgp-multihop`. */
      multihop?: boolean;
    };
  }[];
  routes?: {
    prefix: string;
    nextHop?: string;
    communities?: string[];
    largeCommunities?: string[];
    localPref?: number;
    med?: number;
  }[];
}

export async function loadSpeakerConfig(file: string): Promise<SpeakerFile> {
  const text = await readFile(file, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new Error(
      `${file}:${e.linePos?.[0]?.line ?? 1}:${e.linePos?.[0]?.col ?? 1}: ${e.message}`,
    );
  }
  const value = doc.toJS() as unknown;
  const validate = new Ajv({ allErrors: false }).compile(schema);
  if (!validate(value)) {
    const err = validate.errors?.[0];
    throw new Error(`${file}: ${err?.instancePath || '/'} ${err?.message ?? 'is invalid'}`);
  }
  return value as SpeakerFile;
}

type PeerFile = SpeakerFile['peers'][number];

export interface StandaloneSpeakerComponents {
  clock: Clock;
  random: Random;
  bgpTransport: Transport;
  bfdTransport: BfdTransportFactory;
  out: Output;
  /**
   * A cluster that gets a BGPSessionState per peer (`--kubeconfig`): opens the node's
   * objects there (sessionStatesIn in metallb/runtime/session-states.ts).
   */
  cluster?: (node: string, onProblem: (error: unknown) => void) => SessionStates;
  /** `--pcap`: every BGP message (and, through the BFD transport's tap, BFD packet) goes here. */
  pcap?: PcapWriter;
}

/** How long stop() waits for the cluster to take the BGPSessionState deletions. */
export const STOP_CLUSTER_WAIT_MS = 5_000;

/** Where `--kubeconfig` puts BGPSessionStates unless told: where `run` puts them. */
export const SPEAKER_SESSION_STATE_NAMESPACE = 'openshift-frr-k8s';

function routeText(prefix: string, a: PathAttributes): string {
  const nextHop = a.mpReach?.nextHops[0] ?? a.nextHop ?? '-';
  const path = (a.asPath ?? []).flatMap((seg) => seg.asns).join(' ');
  const communities = (a.communities ?? []).map((c) => formatCommunity(c)).join(' ');
  return `${prefix} via ${nextHop} as-path [${path}]${communities ? ` communities ${communities}` : ''}`;
}

/**
 * The standalone speaker behind the command, with its network injected so tests run it over
 * in-memory transports against builtin routers.
 */
export class StandaloneSpeaker {
  private readonly speaker: Speaker;
  private readonly bfd: BfdSessionTable;
  /** Neighbors by peer address, with the file entry each was built from. */
  private readonly neighbors = new Map<
    string,
    { entry: string; neighbor: Neighbor; port: number; tally: MessageTally }
  >();
  private readonly listening = new Set<string>();
  private cfg: SpeakerFile | undefined;
  /** The peers' BGPSessionStates in the cluster (with `cluster`), for the node of the file. */
  private sessionStates: SessionStates | undefined;
  /** BGPSessionState writes, one at a time in the order the transitions happened. */
  private stateWrites: Promise<void> = Promise.resolve();
  /** Set by stop(): the objects are deleted and no transition writes them again. */
  private stopped = false;

  constructor(private readonly c: StandaloneSpeakerComponents) {
    this.speaker = new Speaker({ clock: c.clock, random: c.random, transport: c.bgpTransport });
    this.bfd = new BfdSessionTable({
      clock: c.clock,
      random: c.random,
      openTransport: c.bfdTransport,
    });
  }

  get name(): string {
    return this.cfg?.node ?? 'speakersim';
  }

  neighbor(address: string): Neighbor | undefined {
    return this.neighbors.get(address)?.neighbor;
  }

  /**
   * Makes the running speaker what `cfg` says: new peers start, removed peers stop (Cease/2),
   * changed peers restart, and every peer's Adj-RIB-Out becomes the file's routes (the
   * difference is announced and withdrawn).
   */
  async apply(cfg: SpeakerFile): Promise<void> {
    // Every route is resolved before anything changes: a bad file leaves the speaker as it was.
    const routes = new Map(cfg.peers.map((p) => [p.address, this.routesFor(cfg, p)]));
    this.cfg = cfg;
    if (this.c.cluster && this.sessionStates?.node !== this.name) {
      // First apply, or SIGHUP gave `node` a new name: the old name's objects go, and the
      // peers that stay are written under the new one.
      for (const address of this.neighbors.keys()) this.deleteState(address);
      this.sessionStates = this.c.cluster(this.name, (error) =>
        this.c.out.error(
          `BGPSessionState in the cluster: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
      for (const [address, { neighbor }] of this.neighbors) this.writeState(address, neighbor);
    }
    const wanted = new Map(cfg.peers.map((p) => [p.address, p]));
    for (const [address, n] of [...this.neighbors]) {
      const p = wanted.get(address);
      if (p && JSON.stringify(p) === n.entry) continue;
      this.neighbors.delete(address);
      await n.neighbor.close('speakersim speaker: peer removed from the configuration');
      // A changed peer gets its object again when it starts; a removed one keeps none.
      if (!p) this.deleteState(address);
    }
    for (const p of cfg.peers) {
      if (!this.neighbors.has(p.address)) await this.addPeer(cfg, p);
      const n = this.neighbors.get(p.address)!.neighbor;
      n.peer.setRoutes(routes.get(p.address)!);
    }
    const port = cfg.listenPort ?? 179;
    if (port === 0) return;
    for (const p of cfg.peers) {
      const local = p.localAddress ?? cfg.localAddress;
      if (local) await this.listen(local, port);
    }
  }

  /** Prints every peer's Adj-RIB-In, as `show bgp neighbors X received-routes` would. */
  /**
   * What `--metrics` serves at each scrape, as frr-k8s's collectors read FRR: per peer the
   * session state, prefixes sent and received (the Adj-RIB-In) and message counters, and BFD.
   */
  metricsSource(): SpeakerMetricsSource {
    return {
      bgp: () =>
        [...this.neighbors].map(([address, { neighbor, port, tally }]) => {
          const established = neighbor.session.state === 'Established';
          const received = new Set([...neighbor.peer.adjRibIn.routes()].map((r) => r.prefix));
          return {
            address,
            port,
            established,
            prefixesSent: established ? neighbor.peer.adjRibOut.size : 0,
            prefixesReceived: received.size,
            messages: tally,
          };
        }),
      bfd: () =>
        [...this.neighbors].flatMap(([address, { neighbor }]) => {
          const b = neighbor.bfd;
          if (!b) return [];
          return [
            {
              address,
              up: b.state === BfdState.Up,
              controlPacketsIn: b.counters.packetsReceived,
              controlPacketsOut: b.counters.packetsSent,
              upEvents: b.counters.upTransitions,
              downEvents: b.counters.downTransitions,
            },
          ];
        }),
      announced: () => [],
      bfdDiscards: () => {
        const all: Partial<Record<BfdDiscardReason, number>> = { ...this.bfd.discards };
        for (const { neighbor } of this.neighbors.values())
          for (const [k, n] of Object.entries(neighbor.bfd?.counters.discards ?? {}) as [
            BfdDiscardReason,
            number,
          ][])
            all[k] = (all[k] ?? 0) + n;
        return all;
      },
    };
  }

  printAdjRibIn(): void {
    for (const [address, { neighbor }] of this.neighbors) {
      const rib = [...neighbor.peer.adjRibIn].sort(([a], [b]) => a.localeCompare(b));
      this.c.out.line(`${address} Adj-RIB-In: ${rib.length} route(s)`);
      for (const [prefix, attrs] of rib) this.c.out.line(`  ${routeText(prefix, attrs)}`);
    }
  }

  /**
   * BFD AdminDown first (RFC 5880 6.8.16; RFC 5882 3.2: the peer must not take it as a
   * failure), then Cease/2 with the shutdown communication, if any (RFC 9003); with a
   * cluster, its BGPSessionStates are deleted. False when the cluster did not take the
   * deletions within STOP_CLUSTER_WAIT_MS (reported; its requests may still be open).
   */
  async stop(shutdownMessage: string | undefined): Promise<boolean> {
    for (const { neighbor } of this.neighbors.values()) {
      const bfd = neighbor.bfd;
      if (bfd && bfd.state !== BfdState.AdminDown) bfd.adminDown();
    }
    await this.speaker.close(shutdownMessage || undefined);
    // The cluster keeps no BGPSessionState for a speaker that is gone.
    this.stopped = true;
    for (const address of this.neighbors.keys()) this.deleteState(address);
    if (!this.sessionStates) return true;
    // A cluster that stops answering must not keep Ctrl-C from ending the speaker.
    let timer: { cancel(): void } | undefined;
    const gaveUp = await Promise.race([
      this.flushSessionStates().then(() => false),
      new Promise<boolean>(
        (r) => (timer = this.c.clock.setTimer(STOP_CLUSTER_WAIT_MS, () => r(true))),
      ),
    ]);
    timer?.cancel();
    if (gaveUp)
      this.c.out.error(
        `BGPSessionState in the cluster: not deleted, the cluster did not answer within ${STOP_CLUSTER_WAIT_MS} ms`,
      );
    return !gaveUp;
  }

  /** Waits for the BGPSessionState writes queued so far. */
  flushSessionStates(): Promise<void> {
    return this.stateWrites;
  }

  /** Queues a write of the peer's BGPSessionState as it is now (nothing without a cluster). */
  private writeState(
    address: string,
    neighbor: Neighbor,
    now: { bgp?: string; bfd?: BfdState } = {},
  ): void {
    const states = this.sessionStates;
    if (!states || this.stopped) return;
    // The values at the transition: later writes show later states, in order.
    const snapshot = {
      peer: address,
      bgpState: now.bgp ?? neighbor.session.state,
      // No BFD: no status (the object shows N/A), as FRR's JSON has no peerBfdInfo then.
      bfdStatus: neighbor.bfdConfigured
        ? bfdSessionStatus(true, now.bfd ?? neighbor.bfd?.state)
        : undefined,
    };
    this.stateWrites = this.stateWrites.then(() => states.write(snapshot));
  }

  private deleteState(address: string): void {
    const states = this.sessionStates;
    if (!states) return;
    this.stateWrites = this.stateWrites.then(() => states.delete(address));
  }

  /** Closes BFD sessions and transports (after stop() had time to send). */
  async close(): Promise<void> {
    await this.bfd.close();
  }

  private async listen(address: string, port: number): Promise<void> {
    const key = `${address}|${port}`;
    if (this.listening.has(key)) return;
    this.listening.add(key);
    try {
      await this.speaker.listen(address, port);
    } catch (error) {
      this.c.out.error(
        `listen on ${address}:${port}: ${(error as Error).message} (passive peers cannot connect; port 179 needs root or CAP_NET_BIND_SERVICE)`,
      );
    }
  }

  private routesFor(cfg: SpeakerFile, p: PeerFile): [string, RouteAttributes][] {
    const localAddress = p.localAddress ?? cfg.localAddress;
    return (cfg.routes ?? []).flatMap((r): [string, RouteAttributes][] => {
      const nextHop = r.nextHop ?? localAddress;
      if (!nextHop) throw new Error(`route ${r.prefix} needs nextHop (or localAddress)`);
      if (r.prefix.includes(':') !== nextHop.includes(':')) return [];
      return [
        [
          r.prefix,
          {
            nextHop,
            ...(r.localPref !== undefined ? { localPref: r.localPref } : {}),
            ...(r.med !== undefined ? { med: r.med } : {}),
            communities: (r.communities ?? []).map((c) => parseCommunity(c)),
            largeCommunities: (r.largeCommunities ?? []).map((c) => parseLargeCommunity(c)),
          },
        ],
      ];
    });
  }

  private async addPeer(cfg: SpeakerFile, p: PeerFile): Promise<void> {
    const { clock, out } = this.c;
    const name = this.name;
    const localAddress = p.localAddress ?? cfg.localAddress;
    // RFC 2385: the key goes on the socket before the SYN (throws where it cannot be set).
    if (p.password) {
      const socketOptions = this.c.bgpTransport.socketOptions;
      if (!socketOptions)
        throw new Error(`${p.address}: this BGP transport cannot key sockets (TCP MD5)`);
      socketOptions.set({ localAddress, peerAddress: p.address }, { md5Key: p.password });
    }
    const neighbor = new Neighbor(
      {
        peer: {
          id: `${name}/${p.address}`,
          node: name,
          localAddress,
          localAsn: cfg.asn,
          routerId: cfg.routerId ?? localAddress ?? '198.18.255.254',
          peerAddress: p.address,
          peerPort: p.port,
          peerAsn: p.asn,
          holdTimeSeconds: p.holdTime,
          keepaliveTimeSeconds: p.keepalive,
          connectRetryTimeSeconds: p.connectRetry,
          passive: p.passive,
          hostname: name,
          keepAdjRibIn: true,
        },
        ...(p.bfd && localAddress
          ? {
              bfd: {
                localAddress,
                peerAddress: p.address,
                multihop: p.bfd.multihop,
                desiredMinTxMs: p.bfd.transmitInterval,
                requiredMinRxMs: p.bfd.receiveInterval,
                detectMult: p.bfd.detectMultiplier,
                passive: p.bfd.passiveMode,
              },
            }
          : {}),
      },
      { clock, speaker: this.speaker, bfdTable: this.bfd },
    );
    const tally = new MessageTally();
    this.neighbors.set(p.address, {
      entry: JSON.stringify(p),
      neighbor,
      port: p.port ?? 179,
      tally,
    });
    const at = () => new Date(clock.wallNow()).toISOString();
    neighbor.on({
      bgpTransition: (e) => {
        out.line(
          `${at()} ${p.address} ${e.from} -> ${e.to} (${typeof e.reason === 'string' ? e.reason : JSON.stringify(e.reason)})`,
        );
        this.writeState(p.address, neighbor, { bgp: e.to });
      },
      bfdTransition: (e) => {
        out.line(
          `${at()} ${p.address} BFD ${BFD_STATE_NAMES[e.from].name} -> ${BFD_STATE_NAMES[e.to].name}`,
        );
        this.writeState(p.address, neighbor, { bfd: e.to });
      },
      message: (m) => {
        tally.record(m.direction, m.type);
        if (this.c.pcap && localAddress) {
          // Node does not tell the ephemeral port: a stable one per session, as `run --pcap`.
          const me = {
            address: localAddress,
            port: 40000 + (fnv1a(`${name}/${p.address}`) % 20000),
          };
          const them = { address: p.address, port: p.port ?? 179 };
          const [from, to] = m.direction === 'sent' ? [me, them] : [them, me];
          try {
            this.c.pcap.addBgp(clock.wallNow(), from, to, m.bytes);
          } catch {
            // Mixed families on one session cannot be drawn; the console still shows it.
          }
        }
        // The header's type first: `m.message` decodes the UPDATEs we send, all of them.
        if (m.type === 'NOTIFICATION' && m.message.type === 'NOTIFICATION')
          out.line(
            `${at()} ${p.address} NOTIFICATION ${m.direction}: ${describeNotification(m.message.code, m.message.subcode)}`,
          );
      },
      problem: (x) =>
        out.error(
          `${p.address}: ${x instanceof Error ? `${(x as { code?: string }).code ?? x.name}: ${x.message}` : String(x)}`,
        ),
    });
    // Adj-RIB-In changes as they arrive: the Peer has applied the UPDATE when this runs.
    let shown = new Map<string, string>();
    neighbor.peer.on({
      update: () => {
        const now = new Map<string, string>();
        for (const [prefix, attrs] of neighbor.peer.adjRibIn)
          now.set(prefix, routeText(prefix, attrs));
        for (const [prefix, text] of now)
          if (shown.get(prefix) !== text) out.line(`${at()} ${p.address} received ${text}`);
        for (const prefix of shown.keys())
          if (!now.has(prefix)) out.line(`${at()} ${p.address} withdrawn ${prefix}`);
        shown = now;
      },
      down: () => {
        shown = new Map();
      },
    });
    this.writeState(p.address, neighbor);
    await neighbor.start();
  }
}

export async function speakerCommand(
  file: string,
  out: Output,
  options: {
    shutdownMessage?: string;
    kubeconfig?: string;
    namespace?: string;
    pcap?: string;
    /** Serve /metrics on 127.0.0.1 at this port (0: a free one). */
    metricsPort?: number;
  } = {},
): Promise<number> {
  const cfg = await loadSpeakerConfig(file);
  let cluster: StandaloneSpeakerComponents['cluster'];
  let clusterText = '';
  if (options.kubeconfig) {
    const namespace = options.namespace ?? SPEAKER_SESSION_STATE_NAMESPACE;
    const [{ KubeClient }, { sessionStatesIn }, { prepareCluster }] = await Promise.all([
      import('../k8s/client.js'),
      import('../metallb/runtime/session-states.js'),
      import('../scenario/runner/status-mirror.js'),
    ]);
    const client = KubeClient.fromKubeconfigFile(options.kubeconfig);
    try {
      // The same checks as `run --kubeconfig`: answering, the CRD applied, the namespace there.
      await prepareCluster(client, [['frrk8s.metallb.io/v1beta1', 'BGPSessionState']], [namespace]);
    } catch (e) {
      if (!(e instanceof SpeakersimError)) throw e;
      out.error(`${e.code}: ${e.message}`);
      return 1;
    }
    cluster = sessionStatesIn(client, namespace);
    clusterText = `namespace ${namespace} of the cluster in ${options.kubeconfig}`;
  }
  const clock = new SystemClock();
  const pcap = options.pcap
    ? new PcapWriter({
        bgpServerPorts: [...new Set([179, ...cfg.peers.map((p) => p.port ?? 179)])],
      })
    : undefined;
  const s = new StandaloneSpeaker({
    clock,
    random: systemRandom,
    bgpTransport: new TcpTransport(clock),
    bfdTransport: async (localAddress, { multihop }) => {
      const t = await createUdpBfdTransport({
        localAddress,
        listenPort: bfdPortFor(multihop),
        random: systemRandom,
      });
      if (!pcap) return t;
      return tapBfdTransport(t, (from, to, payload) => {
        try {
          pcap.addBfd(clock.wallNow(), from, to, payload);
        } catch {
          // A packet the writer cannot draw stays out of the file.
        }
      });
    },
    out,
    ...(cluster ? { cluster } : {}),
    ...(pcap ? { pcap } : {}),
  });
  await s.apply(cfg);
  let metrics: { url: string; close(): Promise<void> } | undefined;
  if (options.metricsPort !== undefined) {
    const [{ Registry }, { createSpeakerMetrics }, { serveRegistries }] = await Promise.all([
      import('prom-client'),
      import('../metallb/metrics.js'),
      import('../metallb/runtime/metrics-server.js'),
    ]);
    const registry = new Registry();
    // frr-k8s's names: they include received_prefixes_total, what the peers sent.
    createSpeakerMetrics(registry, s.metricsSource(), 'frrk8s');
    metrics = await serveRegistries(() => registry, options.metricsPort);
    out.line(`  metrics: ${metrics.url}/metrics`);
  }
  out.line(
    `speaker ${s.name} (AS ${cfg.asn}) started with ${cfg.peers.length} peer(s); Ctrl-C stops it, SIGHUP re-reads ${file}, SIGUSR1 prints the Adj-RIB-In`,
  );
  if (cluster)
    out.line(`  BGPSessionStates in ${clusterText}: kubectl get bgpsessionstates -A -o wide`);
  const reload = (): void => {
    void loadSpeakerConfig(file)
      .then(async (next) => {
        await s.apply(next);
        out.line(`${new Date().toISOString()} re-read ${file}: ${next.peers.length} peer(s)`);
      })
      // A bad file changes nothing: the running configuration stays.
      .catch((error: Error) => out.error(`re-reading ${file}: ${error.message}; unchanged`));
  };
  const dump = (): void => s.printAdjRibIn();
  process.on('SIGHUP', reload);
  process.on('SIGUSR1', dump);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.off('SIGHUP', reload);
  process.off('SIGUSR1', dump);
  const clean = await s.stop(options.shutdownMessage ?? 'speakersim speaker stopped');
  // Time for the AdminDown packets and the NOTIFICATIONs to leave before the sockets close.
  await new Promise((r) => setTimeout(r, 200));
  await s.close();
  await metrics?.close();
  if (pcap && options.pcap) {
    await writeFile(options.pcap, pcap.toBuffer());
    out.line(`wrote ${options.pcap} (Wireshark and tshark decode it)`);
  }
  // Requests to a cluster that hangs would keep the process alive: end it, with exit 1 since
  // the cluster still shows the sessions.
  if (!clean) process.exit(1);
  return 0;
}
