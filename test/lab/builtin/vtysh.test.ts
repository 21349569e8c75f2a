import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/scenario/load.js';
import { StepRunner } from '../../../src/scenario/runner/run.js';
import { ScenarioSession } from '../../../src/scenario/runner/session.js';
import { frrUptime } from '../../../src/lab/builtin/vtysh.js';

// A builtin router's show commands against FRR 8.4's answers for the same lab
// (frr84/r1-show.txt: r1 of test/ui/fixtures/live-view.yaml in the netns lab). Values that
// differ by nature (counters, uptimes, discriminators, FRR's table versions and memory) are
// masked at their columns; everything else, layout included, must be the same.
const here = import.meta.dirname;
const FRR: Record<string, string> = {};
{
  const text = readFileSync(path.join(here, 'frr84', 'r1-show.txt'), 'utf8');
  const parts = text.split(/^===== (.*)\n/m);
  // vtysh's trailing blank lines are not part of the comparison.
  for (let i = 1; i < parts.length; i += 2) FRR[parts[i]!] = parts[i + 1]!.trimEnd() + '\n';
}

let session: ScenarioSession;
const show = async (cmd: string) => (await session.peers.vtysh('r1', [cmd])).trimEnd() + '\n';

beforeAll(async () => {
  const scenario = await loadScenario(path.join(here, '../../ui/fixtures/live-view.yaml'), {
    allowOutsideFiles: true,
  });
  session = await ScenarioSession.start(scenario, { clock: 'virtual' });
  await session.advance(10_000);
});
afterAll(async () => {
  await session?.close();
});

/** Blanks columns [from, to) of the lines that start with `prefix`. */
function mask(text: string, prefix: RegExp, cols: [number, number][]): string {
  return text
    .split('\n')
    .map((l) => {
      if (!prefix.test(l)) return l;
      let out = l;
      for (const [a, b] of cols) out = out.slice(0, a) + '#'.repeat(b - a) + out.slice(b);
      return out;
    })
    .join('\n');
}

function keysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? keysDeep(v[0]) : [];
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, keysDeep(x)]),
    );
  return typeof v;
}

describe('builtin router show commands in FRR 8.4 layouts', () => {
  it('show bgp summary: the same text, but for counters and uptimes', async () => {
    // MsgRcvd, MsgSent [28, 48), Up/Down [67, 76), PfxSnt [89, 98): FRR re-advertises each
    // node's route to the other node (1), a builtin router announces only its own (0).
    const rows = /^(198\.18|2001:db8)/;
    const norm = (t: string) =>
      mask(t, rows, [
        [28, 48],
        [67, 76],
        [89, 98],
      ])
        .replace(/BGP table version \d+/g, 'BGP table version N')
        .replace(/using \d+ (bytes|KiB) of memory/g, 'using N $1 of memory');
    expect(norm(await show('show bgp summary'))).toBe(norm(FRR['show bgp summary']!));
  });

  it('show bgp summary json: the same keys; states and prefix counts as FRR has them', async () => {
    const ours = JSON.parse(await show('show bgp summary json'));
    const frr = JSON.parse(FRR['show bgp summary json']!);
    for (const afi of ['ipv4Unicast', 'ipv6Unicast']) {
      expect(Object.keys(ours[afi]).sort()).toEqual(Object.keys(frr[afi]).sort());
      expect(Object.keys(ours[afi].peers).sort()).toEqual(Object.keys(frr[afi].peers).sort());
      for (const [addr, p] of Object.entries<Record<string, unknown>>(frr[afi].peers)) {
        // hostname comes from the peer's FQDN capability, which a builtin router does not keep.
        const { hostname: _h, ...keys } = p;
        expect(Object.keys(ours[afi].peers[addr]).sort(), addr).toEqual(Object.keys(keys).sort());
        for (const k of ['remoteAs', 'localAs', 'version', 'state', 'pfxRcd', 'idType'])
          expect(ours[afi].peers[addr][k], `${addr} ${k}`).toEqual(p[k]);
      }
      for (const k of ['routerId', 'as', 'vrfName', 'ribCount', 'peerCount', 'failedPeers'])
        expect(ours[afi][k], `${afi} ${k}`).toEqual(frr[afi][k]);
    }
    expect(ours.ipv4Unicast.peers['198.18.0.101'].peerUptimeEstablishedEpoch).toBe(
      Math.floor(
        (session.clock.wallNow() - ours.ipv4Unicast.peers['198.18.0.101'].peerUptimeMsec) / 1000,
      ),
    );
  });

  it('show bgp ipv4 unicast: FRR header, columns and totals', async () => {
    const ours = await show('show bgp ipv4 unicast');
    const frr = FRR['show bgp ipv4 unicast']!;
    const head = (t: string) => t.split('\n').slice(1, 9);
    expect(head(ours)).toEqual(head(frr));
    expect(ours.split('\n')[0]).toBe(
      'BGP table version is 0, local router ID is 198.18.0.1, vrf id 0',
    );
    // Which of two equal paths is best differs (FRR: the older; builtin: the lower address);
    // the lines are the same once the marks are set aside.
    const routes = (t: string) =>
      t
        .split('\n')
        .filter((l) => /^\*/.test(l))
        .map((l) => l.slice(3))
        .sort();
    expect(routes(ours)).toEqual(routes(frr));
    expect(
      ours
        .split('\n')
        .filter((l) => /^\*/.test(l))
        .map((l) => l.slice(0, 3))
        .sort(),
    ).toEqual(['*= ', '*> ']);
    expect(ours).toContain('\nDisplayed  1 routes and 2 total paths\n');
    expect(await show('show bgp ipv6 unicast')).toBe(FRR['show bgp ipv6 unicast']);
  });

  it('show bgp ipv4|ipv6 unicast json: the same keys per path, the same routes', async () => {
    const ours = JSON.parse(await show('show bgp ipv4 unicast json'));
    const frr = JSON.parse(FRR['show bgp ipv4 unicast json']!);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(frr).sort());
    expect(Object.keys(ours.routes)).toEqual(Object.keys(frr.routes));
    const byPeer = (paths: Record<string, unknown>[]) =>
      Object.fromEntries(paths.map((p) => [p['peerId'], p]));
    const o = byPeer(ours.routes['198.18.100.10/32']);
    const f = byPeer(frr.routes['198.18.100.10/32']);
    for (const peer of Object.keys(f)) {
      const strip = (p: Record<string, unknown>) => {
        const {
          bestpath: _b,
          selectionReason: _s,
          multipath: _m,
          nexthops,
          ...rest
        } = p as Record<string, unknown> & { nexthops: Record<string, unknown>[] };
        return { ...rest, nexthops: nexthops.map(({ hostname: _h, ...n }) => n) };
      };
      expect({ ...strip(o[peer]), version: 0 }).toEqual({ ...strip(f[peer]), version: 0 });
    }
    // One best, one multipath, as FRR marks two equal eBGP paths.
    const marks = Object.values(o).map((p) => {
      const x = p as { bestpath?: boolean; multipath?: boolean };
      return [x.bestpath === true, x.multipath === true];
    });
    expect(marks.sort()).toEqual([
      [false, true],
      [true, false],
    ]);
    const v6 = JSON.parse(await show('show bgp ipv6 unicast json'));
    expect(v6).toEqual({ ...JSON.parse(FRR['show bgp ipv6 unicast json']!), tableVersion: 0 });
  });

  it("show bgp ipv4 unicast PREFIX json: FRR's shape of one prefix", async () => {
    const ours = JSON.parse(await show('show bgp ipv4 unicast 198.18.100.10/32 json'));
    const frr = JSON.parse(FRR['show bgp ipv4 unicast 198.18.100.10/32 json']!);
    expect(ours.prefix).toBe(frr.prefix);
    expect(ours.paths.map((p: { aspath: unknown }) => p.aspath)).toEqual(
      frr.paths.map((p: { aspath: unknown }) => p.aspath),
    );
    const shape = (p: Record<string, unknown>) => {
      const { lastUpdate: _l, bestpath: _b, multipath: _m, ...rest } = p;
      return keysDeep(rest);
    };
    // FRR's nexthop and peer carry the peer's hostname; builtin routers do not keep it.
    const noHost = (v: unknown) =>
      JSON.parse(
        JSON.stringify(v)
          .replace(/"hostname":"string",?/g, '')
          .replace(/,}/g, '}'),
      );
    expect(shape(ours.paths[0])).toEqual(noHost(shape(frr.paths[0])));
  });

  it("show bfd peers [json]: bfdd's keys and layout for the peers that are up", async () => {
    const ours = JSON.parse(await show('show bfd peers json')) as Record<string, unknown>[];
    const frr = JSON.parse(FRR['show bfd peers json']!) as Record<string, unknown>[];
    const up = (l: Record<string, unknown>[]) =>
      Object.fromEntries(l.filter((p) => p['status'] === 'up').map((p) => [p['peer'], p]));
    const o = up(ours);
    const f = up(frr);
    expect(Object.keys(o).sort()).toEqual(Object.keys(f).sort());
    for (const peer of Object.keys(f)) {
      // interface: FRR names the lab's veth; a builtin router has no interfaces.
      const { interface: _i, ...keys } = f[peer]!;
      expect(Object.keys(o[peer]!).sort()).toEqual(Object.keys(keys).sort());
      for (const k of [
        'multihop',
        'local',
        'vrf',
        'passive-mode',
        'status',
        'diagnostic',
        'receive-interval',
        'transmit-interval',
        'detect-multiplier',
        'remote-receive-interval',
        'remote-transmit-interval',
        'remote-detect-multiplier',
      ])
        expect(o[peer]![k], `${peer} ${k}`).toEqual(f[peer]![k]);
    }
    // The text: one block per peer, the same lines as bfdd's once IDs, times and FRR's echo
    // default (50 ms; a builtin router has no echo) are set aside.
    const block = (t: string, peer: string) =>
      t
        .split('\n\tpeer ')
        .find((b) => b.startsWith(`${peer} `))!
        .replace(/ interface \S+/, '')
        .replace(/(ID|Remote ID): \d+/g, '$1: N')
        .replace(/Uptime: .*/, 'Uptime: T')
        .replace(/Echo receive interval: 50ms/, 'Echo receive interval: disabled')
        .trimEnd();
    const text = await show('show bfd peers');
    expect(text.startsWith('BFD Peers:\n\tpeer ')).toBe(true);
    for (const peer of Object.keys(f))
      expect(block(text, peer)).toBe(block(FRR['show bfd peers']!, peer));
  });

  it("FRR's uptime text: hh:mm:ss, then days, then weeks; never", () => {
    expect(frrUptime(undefined)).toBe('never');
    expect(frrUptime(3_999)).toBe('00:00:03');
    expect(frrUptime(86_399_000)).toBe('23:59:59');
    expect(frrUptime(86_400_000 + 2 * 3600_000 + 3 * 60_000)).toBe('1d02h03m');
    expect(frrUptime(15 * 86_400_000 + 4 * 3600_000)).toBe('02w1d04h');
  });

  it('a vtysh action returns the answer (what `speakersim inject vtysh` prints)', async () => {
    const runner = new StepRunner(session);
    const out = await runner.act({ kind: 'vtysh', router: 'r1', commands: ['show bgp summary'] });
    expect(out).toContain('IPv4 Unicast Summary (VRF default):');
    await expect(
      runner.act({ kind: 'vtysh', router: 'r1', commands: ['show running-config'] }),
    ).rejects.toMatchObject({ code: 'ERR_BUILTIN_VTYSH_UNSUPPORTED' });
  });
});
