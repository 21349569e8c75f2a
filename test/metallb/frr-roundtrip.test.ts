/**
 * Integration: the rendered running-config must be what real FRR prints. Loads our text into
 * FRR 8.x (zebra + bgpd + bfdd in a private network namespace, no ports bound to any shared
 * network) and compares `show running-config` with it. Needs root and FRR; skips saying so.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planBgp } from '../../src/metallb/announce.js';
import { buildConfig } from '../../src/metallb/config.js';
import {
  frrRoutersForNode,
  renderRunningConfig,
  type FrrNeighbor,
} from '../../src/metallb/frr-config.js';
import { bfd, bgpAdv, community, node, peer, pool, resources, service, slice } from './fixtures.js';

const FRR = '/usr/lib/frr';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const haveFrr =
  ['zebra', 'bgpd', 'bfdd'].every((d) => existsSync(join(FRR, d))) && existsSync('/usr/bin/vtysh');
const skipReason = !isRoot
  ? 'needs root (network namespace, FRR daemons)'
  : !haveFrr
    ? 'needs FRR (/usr/lib/frr, vtysh)'
    : '';
if (skipReason) console.warn(`frr-roundtrip: skipped: ${skipReason}`);

function frrIds(): { uid: number; gid: number } | undefined {
  const r = spawnSync('id', ['-u', 'frr']);
  const g = spawnSync('id', ['-g', 'frr']);
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.toString()), gid: Number(g.stdout.toString()) };
}

interface Lab {
  dir: string;
  ns: string;
}

let lab: Lab | undefined;

function cleanup(): void {
  if (!lab) return;
  for (const d of ['bfdd', 'bgpd', 'zebra']) {
    const pidFile = join(lab.dir, `${d}.pid`);
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  // Daemons exit within a moment of SIGTERM; deleting the namespace does not depend on it.
  spawnSync('ip', ['netns', 'del', lab.ns]);
  rmSync(lab.dir, { recursive: true, force: true });
  lab = undefined;
}

afterEach(cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, cleanup);

function showRunning(configText: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssim-mlb-frr-'));
  const ns = `ssim-mlb-${process.pid}`;
  lab = { dir, ns };
  const ids = frrIds();
  // FRR reads its own output back: drop the banner, log to the scratch directory.
  const body = configText
    .split('\n')
    .slice(3)
    .join('\n')
    .replace('log file /etc/frr/frr.log', `log file ${dir}/frr.log`)
    // vtysh's own name is not daemon configuration.
    .replace(`\nhostname ${hostname()}\n`, '\n');
  writeFileSync(join(dir, 'frr.conf'), body);
  // Daemons start empty; vtysh then applies the text, handing each line to its daemon (as
  // `vtysh -b` does at boot: each daemon alone would stop at the first `exit` of a block it
  // does not know).
  writeFileSync(join(dir, 'empty.conf'), '');
  if (ids) {
    for (const f of ['', 'frr.conf', 'empty.conf']) chownSync(join(dir, f), ids.uid, ids.gid);
  }
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  const user = ids ? ['-u', 'frr', '-g', 'frr'] : ['-u', userInfo().username];
  const common = [
    '-d',
    '-f',
    join(dir, 'empty.conf'),
    '-z',
    join(dir, 'zserv.api'),
    '--vty_socket',
    dir,
    ...user,
  ];
  const inNs = (cmd: string, args: string[]) =>
    execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'ignore' });
  inNs(join(FRR, 'zebra'), [...common, '-i', join(dir, 'zebra.pid')]);
  inNs(join(FRR, 'bgpd'), [...common, '-i', join(dir, 'bgpd.pid'), '-p', '0']);
  inNs(join(FRR, 'bfdd'), [
    ...common,
    '-i',
    join(dir, 'bfdd.pid'),
    '--bfdctl',
    join(dir, 'bfdd.sock'),
  ]);
  const vtysh = (args: string[]) =>
    spawnSync('ip', ['netns', 'exec', ns, 'vtysh', '--vty_socket', dir, ...args], {
      timeout: 10_000,
    });
  // Daemons open their vty sockets just after daemonising: wait (bounded) for all three.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = vtysh(['-c', 'show daemons']);
    const out = r.stdout?.toString() ?? '';
    if (r.status === 0 && ['zebra', 'bgpd', 'bfdd'].every((d) => out.includes(d))) break;
    if (Date.now() > deadline)
      throw new Error(`FRR did not come up: ${r.stderr?.toString() ?? ''}`);
    spawnSync('sleep', ['0.2']);
  }
  const applied = vtysh(['-f', join(dir, 'frr.conf')]);
  if (applied.status !== 0) {
    throw new Error(
      `vtysh refused the configuration: ${applied.stdout?.toString() ?? ''}${applied.stderr?.toString() ?? ''}`,
    );
  }
  return vtysh(['-c', 'show running-config']).stdout?.toString() ?? '';
}

/** The installed bgpd's version, as `show running-config` prints it. */
function frrVersion(): string {
  return (
    execFileSync(join(FRR, 'bgpd'), ['--version'])
      .toString()
      .match(/bgpd version (\d+\.\d+(\.\d+)?)/)?.[1] ?? '8.4.4'
  );
}

/** Loads `rendered` into FRR and expects `show running-config` to print it back unchanged. */
function expectRoundTrip(rendered: string): void {
  // FRR prints the real password; frr-k8s retracts it before publishing. Load a real one.
  const loaded = rendered.replace('password <retracted>', 'password pw');
  const shown = showRunning(loaded)
    .replace(/log file \S+/, 'log file /etc/frr/frr.log')
    .replace('password pw', 'password <retracted>');
  // vtysh mixes its own host name into the daemons' `hostname` when it applies a file;
  // host names are not under test here (the golden unit test covers them).
  const withoutHostnames = (t: string) =>
    t
      .split('\n')
      .filter((l) => !l.startsWith('hostname '))
      .join('\n');
  expect(withoutHostnames(shown)).toBe(withoutHostnames(rendered));
}

describe.skipIf(skipReason !== '')(
  'FRR round trip (real FRR prints our running-config back unchanged)',
  () => {
    it('rich configuration: options, communities, LOCAL_PREF, IPv6, BFD profiles', () => {
      const nodes = [node('worker0', {}, '10.89.0.10', 'fd00::10')];
      const r = resources({
        nodes,
        pools: [pool('v4', ['192.168.122.210-192.168.122.220']), pool('v6', ['2001:db8::/120'])],
        communities: [community('c', [{ name: 'alias', value: '65535:65281' }])],
        peers: [
          peer('ibgp', {
            myASN: 64501,
            peerASN: 64501,
            peerAddress: '192.168.1.1',
            bfdProfile: 'full',
            password: 'pw',
            peerPort: 180,
            holdTime: '90s',
            keepaliveTime: '30s',
            connectTime: '10s',
          }),
          peer('ebgp', {
            myASN: 64501,
            peerASN: 64500,
            peerAddress: '192.168.1.10',
            ebgpMultiHop: true,
          }),
          peer('v6', {
            myASN: 64501,
            peerASN: 64500,
            peerAddress: '2001:db8:ff::1',
            sourceAddress: '2001:db8:ff::10',
            bfdProfile: 'plain',
          }),
        ],
        bfdProfiles: [
          bfd('full', {
            receiveInterval: 200,
            transmitInterval: 150,
            detectMultiplier: 5,
            echoMode: true,
            echoInterval: 60,
            minimumTtl: 250,
            passiveMode: true,
          }),
          bfd('plain', {}),
        ],
        bgpAdvertisements: [
          bgpAdv('a', {
            ipAddressPools: ['v4'],
            localPref: 150,
            communities: ['1234:1234', 'large:1:2:3', 'alias'],
          }),
          bgpAdv('b', { ipAddressPools: ['v6'], peers: ['v6'], communities: ['large:1:2:3'] }),
        ],
      });
      const cfg = buildConfig(r, { component: 'speaker', node: 'worker0' });
      if (!cfg.ok) throw new Error(cfg.error.message);
      const services = [
        service('s4', { ingress: ['192.168.122.210'] }),
        service('s6', { clusterIPs: ['fd00::1'], ingress: ['2001:db8::7'] }),
      ];
      const plan = planBgp({
        config: cfg.config,
        nodes,
        services,
        endpointSlices: [slice('s4', [{ node: 'worker0' }]), slice('s6', [{ node: 'worker0' }])],
      });
      const rendered = renderRunningConfig({
        hostname: 'worker0',
        routers: frrRoutersForNode('worker0', [...cfg.config.peers.values()], plan),
        bfdProfiles: [...cfg.config.bfdProfiles.values()],
        frrVersion: frrVersion(),
        // In a fresh namespace zebra reports forwarding off; vtysh adds this machine's name.
        ipForwarding: false,
        vtyshHostname: hostname(),
      });
      expectRoundTrip(rendered);
    });

    it('FRRConfiguration toReceive: selectors with ge/le in both families, and mode all', () => {
      const neighbor = (addr: string, receive: FrrNeighbor['receive']): FrrNeighbor => ({
        addr,
        asn: '64500',
        family: addr.includes(':') ? 'ipv6' : 'ipv4',
        advertise: [],
        communities: new Map(),
        localPrefs: new Map(),
        receive,
      });
      const rendered = renderRunningConfig({
        hostname: 'worker0',
        routers: [
          {
            myASN: 64501,
            vrf: '',
            neighbors: [
              neighbor('192.168.1.1', {
                all: false,
                filters: [
                  { prefix: '10.0.0.0/8', family: 'ipv4', ge: 16, le: 24 },
                  { prefix: '172.16.0.0/12', family: 'ipv4', le: 20 },
                  { prefix: '192.168.0.0/16', family: 'ipv4' },
                  { prefix: '2001:db8::/32', family: 'ipv6', ge: 48 },
                ],
              }),
              neighbor('192.168.1.2', { all: true, filters: [] }),
              neighbor('2001:db8:ff::1', {
                all: false,
                filters: [{ prefix: '10.1.0.0/16', family: 'ipv4' }],
              }),
            ],
            prefixes: [],
          },
        ],
        bfdProfiles: [],
        frrVersion: frrVersion(),
        ipForwarding: false,
        vtyshHostname: hostname(),
      });
      expect(rendered).toContain('permit 10.0.0.0/8 ge 16 le 24');
      expectRoundTrip(rendered);
    });
  },
);
