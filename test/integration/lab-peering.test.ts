import { expect, it, onTestFinished } from 'vitest';
import { labStatus } from '../../src/lab/lifecycle.js';
import {
  daemonPid,
  dropBfd,
  dropBgp,
  killDaemon,
  linkDown,
  linkUp,
  restartRouter,
  restorePackets,
  startDaemonAgain,
} from '../../src/lab/faults.js';
import type { BgpNeighbor } from '../../src/lab/frr-json.js';
import {
  bfdPeers,
  bgpNeighbors,
  bgpRoutes,
  waitFor,
  waitForNeighbor,
} from '../../src/lab/router-state.js';
import { testLabTopology } from '../lab/fixtures.js';
import { integration, labForFile } from './require.js';

// Two FRR routers in one lab: r1 (AS 64500) and r2 (AS 64502) with 1 s keepalive / 3 s hold,
// BFD 200 ms x 3 on the IPv4 session. r2 originates 198.19.13.0/24 and 2001:db8:ff13::/48.
const LAB = 'ipr';
const topology = testLabTopology(LAB, { subnet: 13, twoRouters: true });
const r1 = { lab: LAB, router: 'r1' };
const r2 = { lab: LAB, router: 'r2' };
const R2_V4 = '198.18.13.2';
const R2_V6 = '2001:db8:13::2';
const R1_V4 = '198.18.13.1';
const established = (n: BgpNeighbor) => n.state === 'Established';
const notEstablished = (n: BgpNeighbor) => n.state !== 'Established';

async function bothEstablished(timeoutMs = 30_000): Promise<void> {
  await waitForNeighbor(r1, R2_V4, established, timeoutMs);
  await waitForNeighbor(r1, R2_V6, established, timeoutMs);
  await waitForNeighbor(r2, R1_V4, established, timeoutMs);
}

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('netns lab: two FRR routers peering', () => {
  labForFile(topology);

  it('reach Established over IPv4 and IPv6 and exchange r2 routes', async () => {
    await bothEstablished();
    const v4 = await waitFor(
      'r1 learns 198.19.13.0/24',
      // A path is best only once bgpd has run its decision process on it.
      async () => (await bgpRoutes(r1, 'ipv4')).routes['198.19.13.0/24']?.find((p) => p.best),
      10_000,
    );
    expect(v4).toMatchObject({ valid: true, best: true, asPath: [64502], peerId: R2_V4 });
    const v6 = await waitFor(
      'r1 learns 2001:db8:ff13::/48',
      async () => (await bgpRoutes(r1, 'ipv6')).routes['2001:db8:ff13::/48']?.find((p) => p.best),
      10_000,
    );
    expect(v6.asPath).toEqual([64502]);
    expect(v6.nexthops.some((h) => h.ip === R2_V6)).toBe(true);
  }, 45_000);

  it('runs BFD beside the IPv4 session', async () => {
    await bothEstablished();
    const peer = await waitFor(
      'r1 BFD peer up',
      async () => (await bfdPeers(r1)).find((p) => p.peer === R2_V4 && p.status === 'up'),
      10_000,
    );
    expect([peer.receiveIntervalMs, peer.transmitIntervalMs, peer.detectMultiplier]).toEqual([
      200, 200, 3,
    ]);
    const n = await waitForNeighbor(r1, R2_V4, (x) => x.crBfdStatus === 'Up', 10_000);
    expect(n.bfd?.status).toBe('Up');
    expect((await waitForNeighbor(r1, R2_V6, established)).crBfdStatus).toBe('N/A');
  }, 30_000);

  it('drops BGP with nft: the session goes down after the 3 s hold time, then recovers', async () => {
    await bothEstablished();
    const fault = await dropBgp(r1, { peer: R2_V4 });
    onTestFinished(async () => {
      await restorePackets(fault);
    });
    const t0 = Date.now();
    const down = await waitForNeighbor(r1, R2_V4, notEstablished, 10_000);
    const tookMs = Date.now() - t0;
    console.log(`[lab-peering] BGP down ${tookMs} ms after the drop (hold 3 s)`);
    // RFC 4271 6.5: Hold Timer expiry ends the session; keepalives stop arriving at once,
    // so it happens between hold - keepalive and hold (+ polling).
    expect(tookMs).toBeGreaterThanOrEqual(1500);
    expect(tookMs).toBeLessThan(6000);
    expect(down.state).not.toBe('Established');
    // RFC 4271 6.5: Hold Timer Expired is NOTIFICATION code 4, subcode 0.
    expect(down.lastNotification).toMatchObject({ code: 4, subcode: 0 });
    // The IPv6 session is untouched by an IPv4-peer rule.
    expect((await waitForNeighbor(r1, R2_V6, () => true)).state).toBe('Established');
    expect(await restorePackets(fault)).toBe(4);
    await waitForNeighbor(r1, R2_V4, established, 30_000);
  }, 60_000);

  it('drops BFD with nft: BFD goes down within its detection time and takes BGP with it', async () => {
    await bothEstablished();
    const up = await waitForNeighbor(r1, R2_V4, (n) => n.crBfdStatus === 'Up', 10_000);
    const fault = await dropBfd(r1, { peer: R2_V4 });
    try {
      const t0 = Date.now();
      await waitFor(
        'r1 BFD peer down',
        async () => (await bfdPeers(r1)).find((p) => p.peer === R2_V4 && p.status === 'down'),
        5_000,
        50,
      );
      console.log(`[lab-peering] BFD down ${Date.now() - t0} ms after the drop (600 ms detect)`);
      // BGP packets still flow, so a reset of the session can only come from BFD. Both ends
      // detect it; RFC 9384: a reset for BFD sends NOTIFICATION Cease (6) / BFD Down (10).
      const reset = await waitForNeighbor(
        r1,
        R2_V4,
        (n) => (n.connectionsDropped ?? 0) > (up.connectionsDropped ?? 0),
        5_000,
      ).catch(async (e: unknown) => {
        console.log(
          '[lab-peering] r1 after BFD drop:',
          JSON.stringify((await bgpNeighbors(r1))[R2_V4]),
        );
        throw e;
      });
      const other = await waitForNeighbor(r2, R1_V4, () => true);
      const notifications = [reset.lastNotification, other.lastNotification];
      expect(notifications).toContainEqual(expect.objectContaining({ code: 6, subcode: 10 }));
    } finally {
      expect(await restorePackets(fault)).toBe(2);
    }
    await waitForNeighbor(r1, R2_V4, (n) => established(n) && n.crBfdStatus === 'Up', 30_000);
  }, 60_000);

  it('kills bgpd on r2: r1 loses the session; bgpd restarts with its config', async () => {
    await bothEstablished();
    const before = daemonPid(r2, 'bgpd');
    expect(await killDaemon(r2, 'bgpd')).toBe(true);
    await waitForNeighbor(r1, R2_V4, notEstablished, 10_000);
    const status = await labStatus(LAB);
    expect(status.state).toBe('degraded');
    expect(status.routers.find((r) => r.name === 'r2')!.daemons.bgpd).toBe(false);
    const pid = await startDaemonAgain(r2, 'bgpd');
    expect((await labStatus(LAB)).state).toBe('up');
    expect(pid).not.toBe(before);
    await bothEstablished();
  }, 60_000);

  it('kills and restarts bfdd and zebra on r2', async () => {
    // BFD must be up first, or "Down" below would be seen before the kill.
    await waitForNeighbor(r1, R2_V4, (n) => established(n) && n.crBfdStatus === 'Up', 30_000);
    await killDaemon(r2, 'bfdd');
    await waitForNeighbor(r1, R2_V4, (n) => n.crBfdStatus === 'Down', 10_000);
    await startDaemonAgain(r2, 'bfdd');
    await waitForNeighbor(r1, R2_V4, (n) => established(n) && n.crBfdStatus === 'Up', 30_000);
    await killDaemon(r2, 'zebra');
    await startDaemonAgain(r2, 'zebra');
    await bothEstablished();
    expect(daemonPid(r2, 'zebra')).toBeDefined();
  }, 90_000);

  it("takes r2's link down and up", async () => {
    await bothEstablished();
    await linkDown(r2);
    onTestFinished(async () => {
      await linkUp(r2);
    });
    await waitForNeighbor(r1, R2_V4, notEstablished, 10_000);
    await linkUp(r2);
    await bothEstablished();
  }, 60_000);

  it('restarts the whole r2 router', async () => {
    const before = daemonPid(r2, 'zebra');
    const pids = await restartRouter(r2);
    expect(pids.zebra).not.toBe(before);
    await bothEstablished();
    await waitFor(
      'r1 learns r2 route again',
      async () => (await bgpRoutes(r1, 'ipv4')).routes['198.19.13.0/24'],
      10_000,
    );
  }, 60_000);
});
