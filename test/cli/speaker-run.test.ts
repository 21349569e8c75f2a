import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { MemoryNetwork } from '../../src/bgp/io/memory.js';
import { InMemoryBfdNetwork } from '../../src/bfd/io/memory-transport.js';
import { BuiltinRouter } from '../../src/lab/builtin/router.js';
import { StandaloneSpeaker, type loadSpeakerConfig } from '../../src/cli/speaker.js';
import type { Output } from '../../src/cli/output.js';
import { PcapWriter } from '../../src/scenario/report/pcap.js';
import { Registry } from 'prom-client';
import { createSpeakerMetrics } from '../../src/metallb/metrics.js';
import { decodePacket, readPcap } from '../../src/scenario/report/pcap-read.js';
import { SPEAKER_SESSION_STATE_NAMESPACE } from '../../src/cli/speaker.js';
import { KubeClient } from '../../src/k8s/client.js';
import { sessionStatesIn } from '../../src/metallb/runtime/session-states.js';
import { clusterProcesses, sessionRows, until as realUntil } from '../support/cluster-process.js';

// `speakersim speaker` against a builtin router, over in-memory BGP and BFD, in virtual time.
type SpeakerFile = Awaited<ReturnType<typeof loadSpeakerConfig>>;
const NODE = '198.18.0.10';
const RTR = '198.18.0.1';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
};

async function setup(
  opts: {
    passive?: boolean;
    listenPort?: number;
    cluster?: { client: KubeClient; namespace: string };
    pcap?: PcapWriter;
  } = {},
) {
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 10, 0, 0));
  const random = new SeededRandom(4);
  const bgpNet = new MemoryNetwork(clock);
  const bfdNet = new InMemoryBfdNetwork({ clock, random });
  const router = new BuiltinRouter(
    {
      name: 'r1',
      asn: 64500,
      routerId: RTR,
      interfaces: [{ segment: 'lan', ipv4: RTR }],
      neighbors: [
        {
          address: NODE,
          remoteAsn: 64501,
          connectRetryS: 2,
          bfd: {
            name: 'p',
            receiveIntervalMs: 100,
            transmitIntervalMs: 100,
            detectMultiplier: 3,
            passive: false,
          },
        },
      ],
      originate: { ipv4: ['198.18.200.0/24'] },
    },
    { clock, random, bgpTransport: bgpNet.transport(), bfdTransport: bfdNet.transportFactory },
  );
  await router.start();
  const lines: string[] = [];
  const out: Output = {
    line: (t) => lines.push(t),
    error: (t) => lines.push(`ERROR ${t}`),
    status: () => undefined,
  };
  const speaker = new StandaloneSpeaker({
    clock,
    random,
    bgpTransport: bgpNet.transport(),
    bfdTransport: bfdNet.transportFactory,
    out,
    ...(opts.cluster
      ? { cluster: sessionStatesIn(opts.cluster.client, opts.cluster.namespace) }
      : {}),
    ...(opts.pcap ? { pcap: opts.pcap } : {}),
  });
  const cfg = (routes: string[]): SpeakerFile => ({
    node: 'node1',
    asn: 64501,
    localAddress: NODE,
    ...(opts.listenPort !== undefined ? { listenPort: opts.listenPort } : {}),
    peers: [
      {
        address: RTR,
        asn: 64500,
        connectRetry: 1,
        ...(opts.passive ? { passive: true } : {}),
        bfd: { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 },
      },
    ],
    routes: routes.map((prefix) => ({ prefix })),
  });
  const until = async (what: string, cond: () => boolean, maxMs = 20_000) => {
    for (let t = 0; t <= maxMs && !cond(); t += 10) {
      clock.advance(10);
      await settle();
    }
    if (!cond()) throw new Error(`timed out: ${what}`);
  };
  const established = () => router.bgpNeighbors()[NODE]?.state === 'Established';
  const routerRoutes = () => Object.keys(router.bgpRoutes('ipv4').routes).sort();
  return { clock, router, speaker, lines, cfg, until, established, routerRoutes, bfdNet };
}

describe('speakersim speaker (StandaloneSpeaker)', () => {
  it('comes up, shows what the router sends (Adj-RIB-In), and SIGHUP-style apply announces and withdraws the difference', async () => {
    const t = await setup();
    await t.speaker.apply(t.cfg(['198.18.100.10/32', '198.18.100.11/32']));
    await t.until('Established', t.established);
    await t.until('routes at r1', () => t.routerRoutes().length === 2);
    expect(t.routerRoutes()).toEqual(['198.18.100.10/32', '198.18.100.11/32']);
    expect(t.lines.some((l) => l.includes(`${RTR} received 198.18.200.0/24 via ${RTR}`))).toBe(
      true,
    );
    const sessions = t.router.bgpNeighbors()[NODE]!.connectionsEstablished;
    await t.speaker.apply(t.cfg(['198.18.100.11/32', '198.18.100.12/32']));
    await t.until('new routes at r1', () => t.routerRoutes().includes('198.18.100.12/32'));
    await t.until('withdrawn at r1', () => !t.routerRoutes().includes('198.18.100.10/32'));
    expect(t.routerRoutes()).toEqual(['198.18.100.11/32', '198.18.100.12/32']);
    // Same peer settings: no session reset, only UPDATEs.
    expect(t.router.bgpNeighbors()[NODE]!.connectionsEstablished).toBe(sessions);
    t.lines.length = 0;
    t.speaker.printAdjRibIn();
    expect(t.lines).toEqual([
      `${RTR} Adj-RIB-In: 1 route(s)`,
      `  198.18.200.0/24 via ${RTR} as-path [64500]`,
    ]);
  });

  it('--pcap: every BGP message of the session is in the capture, both ways', async () => {
    const pcap = new PcapWriter();
    const t = await setup({ pcap });
    await t.speaker.apply(t.cfg(['198.18.100.10/32']));
    await t.until('Established', t.established);
    await t.until('route at r1', () => t.routerRoutes().length === 1);
    const file = readPcap(pcap.toBuffer());
    // BGP message types in TCP payloads (16 x 0xff marker, then length, then type).
    const types = (dir: 'sent' | 'received') =>
      file.records
        .map((r) => decodePacket(r.data, file.linkType))
        .filter((d) => (dir === 'sent' ? d.dstPort === 179 : d.srcPort === 179))
        .filter((d) => d.payload.length >= 19 && d.payload.subarray(0, 16).every((b) => b === 0xff))
        .map((d) => d.payload[18]);
    expect(types('sent')).toEqual(expect.arrayContaining([1, 4, 2])); // OPEN, KEEPALIVE, UPDATE
    expect(types('received')).toEqual(expect.arrayContaining([1, 4, 2]));
    expect(file.records.every((r) => decodePacket(r.data, file.linkType).src !== '')).toBe(true);
  });

  it('--metrics: frr-k8s series per peer, with what the router sent (Adj-RIB-In) and BFD', async () => {
    const t = await setup();
    const registry = new Registry();
    createSpeakerMetrics(registry, t.speaker.metricsSource(), 'frrk8s');
    const value = async (name: string) =>
      (await registry.getSingleMetric(name)!.get()).values.find((v) => v.labels['peer'] === RTR)
        ?.value;
    expect(await value('frrk8s_bgp_session_up')).toBeUndefined(); // no peer yet
    await t.speaker.apply(t.cfg(['198.18.100.10/32', '198.18.100.11/32']));
    await t.until('Established with BFD Up', () => {
      const n = t.router.bgpNeighbors()[NODE];
      return n?.state === 'Established' && n.crBfdStatus === 'Up';
    });
    await t.until('route at r1', () => t.routerRoutes().length === 2);
    expect(await value('frrk8s_bgp_session_up')).toBe(1);
    expect(await value('frrk8s_bgp_announced_prefixes_total')).toBe(2);
    expect(await value('frrk8s_bgp_received_prefixes_total')).toBe(1); // r1's 198.18.200.0/24
    expect(await value('frrk8s_bgp_opens_received')).toBe(1);
    expect(await value('frrk8s_bfd_session_up')).toBe(1);
  });

  it('a route with no next hop and no localAddress is refused before anything changes', async () => {
    const t = await setup();
    await t.speaker.apply(t.cfg(['198.18.100.10/32']));
    await t.until('Established', t.established);
    const bad = t.cfg(['198.18.100.20/32']);
    delete bad.localAddress;
    await expect(t.speaker.apply(bad)).rejects.toThrow(/needs nextHop/);
    await t.until('still there', () => t.routerRoutes().includes('198.18.100.10/32'));
    expect(t.routerRoutes()).not.toContain('198.18.100.20/32');
  });

  it('listens on 179 so a passive peer comes up; with listenPort 0 it cannot', async () => {
    const closed = await setup({ passive: true, listenPort: 0 });
    await closed.speaker.apply(closed.cfg([]));
    await expect(closed.until('Established', closed.established, 5_000)).rejects.toThrow(
      /timed out/,
    );
    const open = await setup({ passive: true });
    await open.speaker.apply(open.cfg([]));
    await open.until('Established', open.established);
  });

  it('stop: BFD AdminDown to the router, then Cease/2 with or without the shutdown message', async () => {
    for (const message of ['maintenance window', '']) {
      const t = await setup();
      await t.speaker.apply(t.cfg(['198.18.100.10/32']));
      await t.until('Established with BFD Up', () => {
        const n = t.router.bgpNeighbors()[NODE];
        return n?.state === 'Established' && n.crBfdStatus === 'Up';
      });
      const sent: { code: number; subcode: number; text: string | undefined; len: number }[] = [];
      t.speaker.neighbor(RTR)!.on({
        message: (m) => {
          if (m.message.type === 'NOTIFICATION' && m.direction === 'sent')
            sent.push({
              code: m.message.code,
              subcode: m.message.subcode,
              // RFC 9003 2: a length octet, then the UTF-8 text.
              text: m.message.data.length ? m.message.data.subarray(1).toString('utf8') : undefined,
              len: m.message.data.length,
            });
        },
      });
      await t.speaker.stop(message);
      await t.until('router sees BFD AdminDown', () => {
        const p = t.router.bfdPeers()[0];
        return p?.remoteDiagnostic === 'administratively down';
      });
      expect(t.router.bfdPeers()[0]!.status).toBe('down');
      expect(sent).toEqual([
        message
          ? { code: 6, subcode: 2, text: message, len: 1 + message.length }
          : { code: 6, subcode: 2, text: undefined, len: 0 },
      ]);
      expect(t.router.bgpNeighbors()[NODE]!.lastNotification).toEqual({ code: 6, subcode: 2 });
      await t.speaker.close();
    }
  });
});

// --kubeconfig: the "cluster" is a second speakersim API server process, reached through its
// kubeconfig only; the speaker runs in virtual time over in-memory transports as above.
const clusters = clusterProcesses();
afterAll(() => clusters.stop());

describe('speakersim speaker --kubeconfig (StandaloneSpeaker with a cluster)', () => {
  it('keeps a BGPSessionState per peer on every transition; deletes it when the peer goes and on stop', async () => {
    const client = KubeClient.fromKubeconfigFile(await clusters.start());
    const ns = SPEAKER_SESSION_STATE_NAMESPACE;
    const seen: string[] = [];
    const stopWatch = await client.watch(
      'frrk8s.metallb.io/v1beta1',
      'BGPSessionState',
      { namespace: ns },
      (type, obj) => {
        const st = (obj['status'] ?? {}) as Record<string, string>;
        // Created first, then its status written through the status subresource.
        seen.push(
          st['bgpStatus']
            ? `${type} ${st['peer']} ${st['bgpStatus']}/${st['bfdStatus']}`
            : `${type} ${obj.metadata?.name?.replace(/-[a-z0-9]{5}$/, '-xxxxx')}`,
        );
      },
    );
    try {
      const t = await setup({ cluster: { client, namespace: ns } });
      const rows = async () => {
        await t.speaker.flushSessionStates();
        return sessionRows(client, ns);
      };
      await t.speaker.apply(t.cfg(['198.18.100.10/32']));
      await t.until('Established with BFD Up', () => {
        const n = t.router.bgpNeighbors()[NODE];
        return n?.state === 'Established' && n.crBfdStatus === 'Up';
      });
      expect(await rows()).toEqual([['node1', RTR, 'Established', 'Up']]);
      // BFD from r1 lost: BFD Down, then BGP torn down (Cease/BFD Down) and waiting in Idle.
      t.bfdNet.setFilter((d) => d.from.address === RTR);
      await t.until('BFD Down', () => t.speaker.neighbor(RTR)!.session.state !== 'Established');
      expect(await rows()).toEqual([['node1', RTR, 'Idle', 'Down']]);
      t.bfdNet.setFilter(undefined);
      await t.until(
        'back',
        () => t.router.bgpNeighbors()[NODE]?.crBfdStatus === 'Up' && t.established(),
      );
      expect(await rows()).toEqual([['node1', RTR, 'Established', 'Up']]);
      // Every transition reached the cluster, in order (one object, patched each time).
      await realUntil(() => seen.at(-1) === `MODIFIED ${RTR} Established/Up`, 10_000);
      expect(seen.slice(0, 9)).toEqual([
        'ADDED node1-xxxxx',
        // Before the BFD session exists, as the MetalLB model writes it.
        `MODIFIED ${RTR} Idle/Unknown`,
        `MODIFIED ${RTR} Connect/Down`,
        `MODIFIED ${RTR} OpenSent/Down`,
        `MODIFIED ${RTR} OpenConfirm/Down`,
        `MODIFIED ${RTR} Established/Down`,
        `MODIFIED ${RTR} Established/Up`,
        // BFD Down first, then the BGP teardown it causes: two writes.
        `MODIFIED ${RTR} Established/Down`,
        `MODIFIED ${RTR} Idle/Down`,
      ]);
      expect(seen.filter((l) => l.startsWith('ADDED'))).toEqual(['ADDED node1-xxxxx']);
      // SIGHUP with r1 replaced by another peer: r1's object goes, the new peer's comes.
      const other = t.cfg([]);
      other.peers = [{ address: '198.18.0.2', asn: 64500, connectRetry: 1 }];
      await t.speaker.apply(other);
      await t.until('other peer tried', () => t.speaker.neighbor('198.18.0.2') !== undefined);
      const [row, ...more] = await rows();
      expect(more).toEqual([]);
      expect(row!.slice(0, 2)).toEqual(['node1', '198.18.0.2']);
      expect(row![3]).toBe('N/A');
      // SIGHUP renaming the node: the object is written under the new name only.
      await t.speaker.apply({ ...other, node: 'node9' });
      expect((await rows()).map((r) => r.slice(0, 2))).toEqual([['node9', '198.18.0.2']]);
      // Stop: nothing left in the cluster.
      await t.speaker.stop('maintenance');
      expect(await sessionRows(client, ns)).toEqual([]);
      await t.speaker.close();
    } finally {
      stopWatch();
    }
  }, 60_000);
});
