import { expect } from 'vitest';
import { Neighbor, type NeighborComponents } from '../../src/bgp/neighbor.js';
import type { BfdProfileSpec, LabTopology, NeighborSpec } from '../../src/lab/topology.js';
import { BfdDiagnostic, BfdState } from '../../src/bfd/wire/constants.js';
import { dropBfd, restorePackets } from '../../src/lab/faults.js';
import { waitFor } from '../../src/lab/router-state.js';

/**
 * The BFD loss drill against an FRR router, shared by the single-hop and multihop tests: wait
 * for Established with BFD Up, drop BFD towards the node in the router's namespace, expect the
 * node to detect it within Detect Mult x interval + 50 ms (Diag 1) and tear BGP down with
 * Cease/10 (RFC 9384), keep BGP down while BFD is (`holdDownMs`), restore, expect BFD Up and
 * then Established. Returns the measured detection time in ms.
 */
export async function bfdLossAndRecovery(o: {
  label: string;
  router: { lab: string; router: string };
  peer: string;
  neighbor: Neighbor;
  receiveIntervalMs: number;
  detectMult: number;
  holdDownMs?: number;
}): Promise<number> {
  const { neighbor, label } = o;
  const bfd = neighbor.bfd!;
  await waitFor(
    `${label} Established with BFD Up`,
    async () => (neighbor.session.established && bfd.state === BfdState.Up ? true : undefined),
    30_000,
    20,
  );
  const teardownsBefore = neighbor.counters.bfdTeardowns;
  const downAt = new Promise<number>((resolve) => {
    const off = bfd.on('down', (e) => {
      off();
      resolve(e.wallAt);
    });
  });
  // One way (towards the node), so the node is the one that detects: with both ways dropped FRR
  // can detect first and tear BGP down itself, and the NOTIFICATION would be FRR's.
  const fault = await dropBfd(o.router, { peer: o.peer, direction: 'to-node' });
  const t0 = Date.now();
  let detectMs: number;
  try {
    detectMs = (await downAt) - t0;
    console.log(`[${label}] Down ${detectMs} ms after the drop rule`);
    expect(detectMs).toBeLessThanOrEqual(o.detectMult * o.receiveIntervalMs + 50);
    expect(bfd.diagnostic).toBe(BfdDiagnostic.ControlDetectionTimeExpired);
    await waitFor(
      `${label} leaves Established`,
      async () => (!neighbor.session.established ? true : undefined),
      5_000,
      10,
    );
    expect(neighbor.counters.lastNotification).toEqual({ direction: 'sent', code: 6, subcode: 10 });
    expect(neighbor.counters.bfdTeardowns).toBe(teardownsBefore + 1);
    if (o.holdDownMs) {
      // BGP does not come back while BFD is down (FRR `neighbor X bfd` behaviour).
      await new Promise((r) => setTimeout(r, o.holdDownMs));
      expect(neighbor.session.established).toBe(false);
    }
  } finally {
    await restorePackets(fault);
  }
  await waitFor(
    `${label} BFD Up again`,
    async () => (bfd.state === BfdState.Up ? true : undefined),
    20_000,
    20,
  );
  await waitFor(
    `${label} Established again`,
    async () => (neighbor.session.established ? true : undefined),
    30_000,
    50,
  );
  return detectMs;
}

/**
 * A simulated node's neighbor towards a lab router: eBGP from AS 64501 to AS 64500, IPv4, BFD
 * with the router's profile (multihop when asked), as the node speaker would build it.
 */
export function labNodeNeighbor(
  o: { node: string; address: string; router: string; profile: BfdProfileSpec; multihop?: boolean },
  components: NeighborComponents,
): Neighbor {
  return new Neighbor(
    {
      peer: {
        id: o.node,
        node: o.node,
        localAddress: o.address,
        localAsn: 64501,
        routerId: o.address,
        peerAddress: o.router,
        peerAsn: 64500,
        connectRetryTimeSeconds: 1,
        families: ['ipv4'],
      },
      bfd: {
        localAddress: o.address,
        peerAddress: o.router,
        multihop: o.multihop,
        desiredMinTxMs: o.profile.transmitIntervalMs,
        requiredMinRxMs: o.profile.receiveIntervalMs,
        detectMult: o.profile.detectMultiplier,
      },
    },
    components,
  );
}

/**
 * One FRR router r1 (AS 64500) at `router` on one /24 with simulated nodes (AS 64501): the lab
 * the BFD tests use. `nodes` maps node name to address; each node gets a neighbor entry with
 * `neighbor(address)`'s settings.
 */
export function bfdLab(o: {
  name: string;
  prefix: string;
  router: string;
  nodes: Record<string, string>;
  neighbor: (address: string) => Omit<NeighborSpec, 'address' | 'remoteAsn'>;
}): LabTopology {
  const nodes = Object.entries(o.nodes);
  return {
    name: o.name,
    segments: [{ name: 'lan', ipv4Prefix: o.prefix }],
    routers: [
      {
        name: 'r1',
        asn: 64500,
        routerId: o.router,
        interfaces: [{ segment: 'lan', ipv4: o.router }],
        neighbors: nodes.map(([, address]) => ({
          address,
          remoteAsn: 64501,
          connectRetryS: 2,
          ...o.neighbor(address),
        })),
      },
    ],
    nodes: nodes.map(([name, ipv4]) => ({ name, asn: 64501, segment: 'lan', ipv4 })),
  };
}
