import { expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { parseTcpExtCounters, type TcpOptionDropCounters } from '../../src/bgp/io/peer-options.js';
import { TcpTransport } from '../../src/bgp/io/tcp.js';
import { Speaker, type Peer } from '../../src/bgp/speaker.js';
import { inNamespace, run } from '../../src/lab/exec.js';
import { routerNamespace } from '../../src/lab/names.js';
import { bgpNeighbors, waitForNeighbor } from '../../src/lab/router-state.js';
import type { LabTopology } from '../../src/lab/topology.js';
import { testLabTopology } from '../lab/fixtures.js';
import { integration, labForFile } from './require.js';

// RFC 2385 against FRR 8.4: r1 has `neighbor X password`; speakersim keys its sockets through
// setsockopt(TCP_MD5SIG). node1 (IPv4 and IPv6) has r1's keys, node2 a wrong one, node3 none
// on either side (the bring-up baseline).
const LAB = 'md5x';
const R1 = { lab: LAB, router: 'r1' };
const timers = { keepaliveS: 1, holdS: 3 };
const KEY = 'frr-md5-Key1';
const KEY6 = 'frr-md5-Key6';
const topology: LabTopology = testLabTopology(LAB, { subnet: 31 });
topology.nodes.push({ name: 'node3', asn: 64501, segment: 'lan', ipv4: '198.18.31.12' });
topology.routers[0]!.neighbors.push({ address: '198.18.31.12', remoteAsn: 64501 });
const keys: Record<string, string> = {
  '198.18.31.10': KEY,
  '2001:db8:31::10': KEY6,
  '198.18.31.11': KEY,
};
for (const n of topology.routers[0]!.neighbors) {
  Object.assign(
    n,
    { timers, connectRetryS: 1 },
    keys[n.address] ? { password: keys[n.address] } : {},
  );
}

/** The kernel's TcpExt drop counters inside r1's namespace (counters are per namespace). */
async function r1Counters(): Promise<TcpOptionDropCounters> {
  const r = await run(inNamespace(routerNamespace(LAB, 'r1'), ['cat', '/proc/net/netstat']));
  return parseTcpExtCounters(r.stdout);
}

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('TCP MD5 (RFC 2385) against FRR bgpd', () => {
  labForFile(topology);
  const clock = new SystemClock();
  const transport = new TcpTransport(clock);
  const speaker = new Speaker({ clock, random: new SeededRandom(12), transport });

  function addPeer(local: string, peer: string, md5Key?: string): Peer {
    // eBGP single hop: TTL 1, as FRR sends.
    transport.socketOptions.set(
      { localAddress: local, peerAddress: peer },
      md5Key ? { md5Key, ttl: 1 } : { ttl: 1 },
    );
    return speaker.addPeer({
      id: `${local}->${peer}`,
      localAddress: local,
      localAsn: 64501,
      routerId: local.includes(':') ? '198.18.31.10' : local,
      peerAddress: peer,
      peerAsn: 64500,
      holdTimeSeconds: 3,
      keepaliveTimeSeconds: 1,
      connectRetryTimeSeconds: 1,
      families: [local.includes(':') ? 'ipv6' : 'ipv4'],
    });
  }

  const upPeers = new Map<string, Peer>();

  /** Start to Established, in ms; the first time it adds the peer. */
  async function bringUp(local: string, peer: string, md5Key?: string): Promise<number> {
    let p = upPeers.get(local);
    if (!p) upPeers.set(local, (p = addPeer(local, peer, md5Key)));
    const t0 = performance.now();
    const up = new Promise<void>((resolve) => {
      const off = p.on({
        established: () => {
          off();
          resolve();
        },
      });
    });
    p.session.start();
    await up;
    return performance.now() - t0;
  }

  /** Stops a session and waits until r1 has seen it go. */
  async function takeDown(local: string): Promise<void> {
    upPeers.get(local)!.session.stop();
    await waitForNeighbor(R1, local, (n) => n.state !== 'Established', 15_000);
  }

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

  it('the right key (IPv4 and IPv6) brings the sessions up; bring-up time beside an unsigned one', async () => {
    // bgpd is up and has its neighbors before anything is timed.
    await waitForNeighbor(R1, '198.18.31.12', () => true, 15_000);
    const runs = { unsigned: [] as number[], md5v4: [] as number[], md5v6: [] as number[] };
    for (let i = 0; i < 5; i++) {
      runs.unsigned.push(await bringUp('198.18.31.12', '198.18.31.1'));
      runs.md5v4.push(await bringUp('198.18.31.10', '198.18.31.1', KEY));
      runs.md5v6.push(await bringUp('2001:db8:31::10', '2001:db8:31::1', KEY6));
      await waitForNeighbor(R1, '198.18.31.10', (n) => n.state === 'Established', 15_000);
      await waitForNeighbor(R1, '2001:db8:31::10', (n) => n.state === 'Established', 15_000);
      for (const local of upPeers.keys()) await takeDown(local);
    }
    const fmt = (xs: number[]) =>
      `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
    console.log(
      `[md5-frr] start to Established over ${runs.unsigned.length} runs: unsigned ${fmt(runs.unsigned)}; MD5 IPv4 ${fmt(runs.md5v4)}; MD5 IPv6 ${fmt(runs.md5v6)}`,
    );
  }, 120_000);

  it('a wrong key gives no session: r1 drops every SYN it cannot verify (TCPMD5Failure)', async () => {
    const before = await r1Counters();
    const p = addPeer('198.18.31.11', '198.18.31.1', 'not-the-key');
    const states = new Set<string>();
    p.on({ transition: (e) => states.add(e.to) });
    p.session.start();
    // Several connect retries (1 s) and SYN retransmissions.
    await new Promise((r) => setTimeout(r, 5_000));
    const after = await r1Counters();
    expect(after.md5Failure - before.md5Failure).toBeGreaterThanOrEqual(1);
    expect(states.has('OpenSent')).toBe(false);
    expect(p.session.state).not.toBe('Established');
    expect((await bgpNeighbors(R1))['198.18.31.11']?.state).not.toBe('Established');
    // The right key on our side: the next SYN verifies.
    transport.socketOptions.set(
      { localAddress: '198.18.31.11', peerAddress: '198.18.31.1' },
      { md5Key: KEY, ttl: 1 },
    );
    await waitForNeighbor(R1, '198.18.31.11', (n) => n.state === 'Established', 20_000);
    speaker.removePeer(p.id);
  }, 60_000);

  it('closes', async () => {
    await speaker.close();
  });
});
