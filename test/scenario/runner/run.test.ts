import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, checkRunSettings } from '../../../src/scenario/load.js';
import { runScenario } from '../../../src/scenario/runner/run.js';
import { timelineToJsonLines } from '../../../src/scenario/report/jsonl.js';
import { decodePacket, readPcap } from '../../../src/scenario/report/pcap-read.js';

const root = resolve(import.meta.dirname, '../../..');
const shipped = readdirSync(join(root, 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(root, 'scenarios', f));

describe('every shipped scenario passes on builtin peers (no root, no FRR)', () => {
  for (const file of shipped) {
    it(
      file.split('/').at(-1)!,
      async () => {
        const scenario = await loadScenario(file);
        expect(checkRunSettings(scenario, { backend: 'builtin' }).errors).toEqual([]);
        const out = await runScenario(scenario, { backend: 'builtin' });
        const why = out.failures.map(
          (f) => `${f.name}: expected ${f.expected} got ${f.actual} ${f.message ?? ''}`,
        );
        expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
        expect(out.passed).toBe(true);
      },
      120_000,
    );
  }
});

describe('virtual time is deterministic', () => {
  it('two runs of a builtin virtual-time scenario give the same timeline, byte for byte', async () => {
    const scenario = await loadScenario(join(root, 'scenarios/bfd-down-recovery.yaml'));
    const a = await runScenario(scenario, {});
    const b = await runScenario(scenario, {});
    expect(a.passed && b.passed).toBe(true);
    const ja = timelineToJsonLines(a.run.events);
    expect(ja.length).toBeGreaterThan(1000);
    expect(timelineToJsonLines(b.run.events)).toBe(ja);
  }, 120_000);
});

const WRONG = `name: wrong-expectation
backend: builtin
clock: virtual
topology:
  routers:
    - {name: r1, asn: 64500, addresses: {ipv4: 198.18.0.1/24}}
  nodes:
    - {name: worker0, addresses: {ipv4: 198.18.0.101/24}}
resources:
  - file: ${join(root, 'scenarios/manifests/sim/namespaces.yaml')}
  - file: ${join(root, 'scenarios/manifests/common/pool.yaml')}
  - file: ${join(root, 'scenarios/manifests/common/peer-r1.yaml')}
  - file: ${join(root, 'scenarios/manifests/common/web-service.yaml')}
steps:
  - wait:
      sessions: {node: worker0, peer: r1, sequence: [Established]}
      timeout: 1m
  - name: the service gets an address it cannot get
    expect:
      resource: {kind: Service, namespace: default, name: web, jsonpath: '{.status.loadBalancer.ingress[0].ip}', equals: 198.18.100.99}
      timeout: 2s
`;

const WRONG_ORDER = `name: wrong-order
backend: builtin
clock: virtual
topology:
  routers:
    - name: r1
      asn: 64500
      addresses: {ipv4: 198.18.0.1/24}
      bfd: {receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3}
  nodes:
    - {name: worker0, addresses: {ipv4: 198.18.0.101/24}}
resources:
  - file: ${join(root, 'scenarios/manifests/sim/namespaces.yaml')}
  - file: ${join(root, 'scenarios/manifests/common/pool.yaml')}
  - file: ${join(root, 'scenarios/manifests/common/peer-r1-bfd.yaml')}
steps:
  - wait:
      sessions: {node: worker0, peer: r1, sequence: [{bgp: Established, bfd: Up}]}
      timeout: 1m
  - drop: {protocol: bfd, router: r1, direction: to-node}
  - name: the teardown before the BFD Down (wrong on purpose)
    expect:
      sessions: {node: worker0, peer: r1, since: step, sequence: [{bgp: Idle, bfd: Up}]}
      timeout: 3s
`;

describe('a session order that did not happen is explained', () => {
  it('names the transitions and NOTIFICATIONs of the window beside the states seen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'speakersim-order-'));
    const file = join(dir, 'order.yaml');
    writeFileSync(file, WRONG_ORDER);
    const scenario = await loadScenario(file, { allowOutsideFiles: true }).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );
    const out = await runScenario(scenario, {});
    expect(out.failures).toHaveLength(1);
    const actual = out.failures[0]!.actual ?? '';
    expect(actual).toMatch(/^Established\/BFD Up -> Established\/BFD Down -> Idle\/BFD Down/);
    // Which side ended the session: the speaker's BFD detection, then its Cease / BFD Down.
    expect(actual).toMatch(
      /meanwhile: (\d+) ms BFD Up -> Down \(control detection time expired\), \1 ms BGP Established -> Idle \(bfd-down\), \1 ms NOTIFICATION cease\/bfd-down sent$/,
    );
  }, 60_000);
});

describe('a wrong expectation fails clearly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'speakersim-wrong-'));
  const file = join(dir, 'wrong.yaml');
  writeFileSync(file, WRONG);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports expected and actual on the failed step', async () => {
    // The scenario sits in a temp folder and names the repo's manifests.
    const out = await runScenario(await loadScenario(file, { allowOutsideFiles: true }), {});
    expect(out.passed).toBe(false);
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]).toMatchObject({
      result: 'fail',
      expected: '"198.18.100.99"',
      actual: '"198.18.100.10"',
    });
  }, 60_000);

  it('the CLI exits 1 and prints the position, expected vs actual and the timeline', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'run', '--allow-outside-files', file],
      { encoding: 'utf8', cwd: root, timeout: 90_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`wrong.yaml:18:5: step 2`);
    expect(r.stdout).toContain('expected: "198.18.100.99"');
    expect(r.stdout).toContain('actual:   "198.18.100.10"');
    expect(r.stdout).toContain('timeline leading to it:');
    expect(r.stdout).toContain('0 passed, 1 failed');
  }, 90_000);

  it('the CLI exits 0 when every scenario passes, and writes JUnit', () => {
    const junit = join(dir, 'out.xml');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'src/cli/main.ts'),
        'run',
        join(root, 'scenarios/seed-ipaddresspool-status.yaml'),
        '--junit',
        junit,
      ],
      { encoding: 'utf8', cwd: root, timeout: 90_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 passed, 0 failed');
  }, 90_000);
});

describe('pcap of a run', () => {
  it('holds the BGP messages and BFD packets the node speakers sent and received, checksums right', async () => {
    const out = await runScenario(
      await loadScenario(join(root, 'scenarios/bfd-down-recovery.yaml')),
      { pcap: true },
    );
    expect(out.passed).toBe(true);
    const file = readPcap(out.pcap!);
    const packets = file.records.map((r) => decodePacket(r.data, file.linkType));
    expect(packets.every((p) => p.checksumsOk)).toBe(true);
    const bgp = packets.filter(
      (p) => p.protocol === 6 && (p.srcPort === 179 || p.dstPort === 179) && p.payload.length > 0,
    );
    const bfd = packets.filter(
      (p) => p.protocol === 17 && (p.srcPort === 3784 || p.dstPort === 3784),
    );
    // A NOTIFICATION (type 3) Cease (6) / BFD Down (10) from the node is in the capture.
    expect(
      bgp.some(
        (p) =>
          p.src === '198.18.0.101' &&
          p.payload[18] === 3 &&
          p.payload[19] === 6 &&
          p.payload[20] === 10,
      ),
    ).toBe(true);
    expect(bfd.some((p) => p.src === '198.18.0.101')).toBe(true);
    expect(bfd.some((p) => p.dst === '198.18.0.101')).toBe(true);
  }, 60_000);
});
