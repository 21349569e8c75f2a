import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPacketPort } from '../../src/l2/io/packet-socket.js';
import type { L2Port } from '../../src/l2/port.js';
import { decodeFrame, gratuitousArpFrames } from '../../src/l2/wire/index.js';
import { nodeMac, nodePortName, routerNamespace } from '../../src/lab/names.js';
import { loadScenario } from '../../src/scenario/load.js';
import { ScenarioSession } from '../../src/scenario/runner/session.js';
import { integration, serialLabFile } from './require.js';

// MetalLB L2 mode on the wire against the Linux kernel's own ARP and neighbor discovery: the
// router namespace's `ip neigh` (not speakersim's reader) follows the failover, and the real
// kubectl shows one ServiceL2Status per Service afterwards, as on a cluster.

const LAB = 'l2wire';
const SERVICE_V4 = '198.18.0.200';
const SERVICE_V6 = '2001:db8::200';
const sh = (argv: string[]): string => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The router kernel's entry for an address: its MAC, or undefined. */
function kernelNeighbor(address: string): string | undefined {
  const rows = JSON.parse(
    sh(['ip', '-n', routerNamespace(LAB, 'r1'), '-j', 'neigh', 'show', 'to', address]) || '[]',
  ) as { lladdr?: string }[];
  return rows[0]?.lladdr;
}

/** Traffic from the router to the address: its kernel resolves it (ARP / NS). */
function poke(address: string): void {
  sh([
    'ip',
    'netns',
    'exec',
    routerNamespace(LAB, 'r1'),
    'bash',
    '-c',
    `echo > /dev/udp/${address}/9`,
  ]);
}

/** The real `kubectl get` table, columns cut where the header's (possibly two-word) titles start. */
async function kubectlTable(
  kubeconfig: string,
  args: string[],
): Promise<{ header: string[]; rows: string[][] }> {
  // Not execFileSync: the API server answers from this very process.
  const { stdout: out } = await promisify(execFile)('kubectl', ['get', ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
  });
  const [head = '', ...lines] = out.trimEnd().split('\n');
  // kubectl pads columns with at least 3 spaces; titles such as ALLOCATED NODE have one.
  const starts = [...head.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index);
  const cells = (line: string) =>
    starts.map((at, i) => line.slice(at, starts[i + 1] ?? line.length).trim());
  return { header: cells(head), rows: lines.filter((l) => l.trim()).map(cells) };
}

async function until<T>(what: string, f: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('L2 mode on the wire (netns)', () => {
  serialLabFile();
  let s: ScenarioSession;
  const mac = (node: string) => nodeMac(LAB, node);

  beforeAll(async () => {
    const file = join(resolve(import.meta.dirname, '../..'), 'scenarios/l2-failover-mac.yaml');
    const scenario = await loadScenario(file);
    scenario.topology.lab = LAB;
    s = await ScenarioSession.start(scenario, { backend: 'netns' });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  }, 60_000);

  it('each node has its own port with its own locally administered MAC, kernel ARP off', () => {
    const links = ['worker0', 'worker1'].map((_, i) => {
      const [l] = JSON.parse(sh(['ip', '-j', 'link', 'show', nodePortName(LAB, i)])) as {
        address: string;
        flags: string[];
      }[];
      return l!;
    });
    expect(links.map((l) => l.address)).toEqual([mac('worker0'), mac('worker1')]);
    expect(mac('worker0')).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(mac('worker0')).not.toBe(mac('worker1'));
    for (const l of links) expect(l.flags).toContain('NOARP');
  });

  it('the router kernel resolves the service IPs to the leader worker0 (ARP and NDP)', async () => {
    await until('worker0 leads', () =>
      s.runtime.speaker('worker0')?.l2Addresses().length === 2 ? true : undefined,
    );
    poke(SERVICE_V4);
    poke(SERVICE_V6);
    await until('v4 resolved', () =>
      kernelNeighbor(SERVICE_V4) === mac('worker0') ? true : undefined,
    );
    await until('v6 resolved', () =>
      kernelNeighbor(SERVICE_V6) === mac('worker0') ? true : undefined,
    );
  });

  it('worker0 stops: within 1 s the kernel has worker1 MAC for both; kubectl shows one object per Service', async () => {
    const t0 = performance.now();
    await s.runtime.stopNode('worker0');
    await until('v4 moved', () =>
      kernelNeighbor(SERVICE_V4) === mac('worker1') ? true : undefined,
    );
    const v4Ms = performance.now() - t0;
    await until('v6 moved', () =>
      kernelNeighbor(SERVICE_V6) === mac('worker1') ? true : undefined,
    );
    const v6Ms = performance.now() - t0;
    console.log(
      `[l2-netns] failover to new MAC in the router's table: IPv4 ${v4Ms.toFixed(0)} ms, IPv6 ${v6Ms.toFixed(0)} ms`,
    );
    expect(Math.max(v4Ms, v6Ms)).toBeLessThan(1000);

    let table = await kubectlTable(s.kubeconfigPath, ['servicel2statuses', '-n', 'metallb-system']);
    for (let i = 0; i < 100 && table.rows.some((r) => r[1] !== 'worker1'); i++) {
      await sleep(50);
      table = await kubectlTable(s.kubeconfigPath, ['servicel2statuses', '-n', 'metallb-system']);
    }
    // The CRD's printer columns (reference §1): Allocated Node, Service Name, Service Namespace.
    expect(table.header).toEqual(['NAME', 'ALLOCATED NODE', 'SERVICE NAME', 'SERVICE NAMESPACE']);
    expect(table.rows.map((r) => r.slice(1)).sort()).toEqual([
      ['worker1', 'web', 'default'],
      ['worker1', 'web6', 'default'],
    ]);
    for (const r of table.rows) expect(r[0]).toMatch(/^l2-[a-z0-9]{5}$/);
  }, 30_000);

  it('the stopped node answers no more: a fresh resolution finds worker1 only', async () => {
    sh(['ip', '-n', routerNamespace(LAB, 'r1'), 'neigh', 'flush', 'to', SERVICE_V4]);
    poke(SERVICE_V4);
    await until('re-resolved', () =>
      kernelNeighbor(SERVICE_V4) === mac('worker1') ? true : undefined,
    );
  });
});

integration(['root', 'ip'])('AF_PACKET ports (packet-socket.ts)', () => {
  const A = 'hl2pa';
  const B = 'hl2pb';
  let a: L2Port;
  let b: L2Port;
  beforeAll(() => {
    sh(['ip', 'link', 'add', A, 'address', '02:00:00:00:0a:0a', 'type', 'veth', 'peer', 'name', B]);
    for (const l of [A, B]) {
      sh(['sysctl', '-q', '-w', `net.ipv6.conf.${l}.disable_ipv6=1`]);
      sh(['ip', 'link', 'set', l, 'arp', 'off', 'up']);
    }
    a = openPacketPort(A, '02:00:00:00:0a:0a');
    b = openPacketPort(B, '02:00:00:00:0b:0b');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    execFileSync('ip', ['link', 'del', A], { stdio: 'ignore' });
  });

  it('sends raw frames and receives them on the other end, not on its own', async () => {
    const got: string[] = [];
    const own: Buffer[] = [];
    b.onFrame((f) => {
      const d = decodeFrame(f);
      if (d?.kind === 'arp') got.push(`${d.arp.operation} ${d.arp.senderMac} ${d.arp.senderIp}`);
    });
    a.onFrame((f) => own.push(f));
    for (const f of gratuitousArpFrames(a.mac, '198.18.0.200')) a.send(f);
    await until('frames', () => (got.length === 2 ? true : undefined), 2000);
    expect(got).toEqual(['1 02:00:00:00:0a:0a 198.18.0.200', '2 02:00:00:00:0a:0a 198.18.0.200']);
    expect(own).toEqual([]);
  });

  it('a closed port receives nothing more; an unknown interface is ERR_L2_SOCKET', async () => {
    let n = 0;
    b.onFrame(() => n++);
    await b.close();
    for (const f of gratuitousArpFrames(a.mac, '198.18.0.201')) a.send(f);
    await sleep(50);
    expect(n).toBe(0);
    expect(() => openPacketPort('hl2-nonesuch', '02:00:00:00:00:01')).toThrow(
      expect.objectContaining({ code: 'ERR_L2_SOCKET' }),
    );
  });
});
