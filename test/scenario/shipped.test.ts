import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenarioFiles, loadScenario } from '../../src/scenario/load.js';
import { validationSummary } from '../../src/scenario/validation-summary.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const scenarioDir = join(repoRoot, 'scenarios');
const files = readdirSync(scenarioDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('shipped scenarios', () => {
  it('include the ones the runner needs', () => {
    expect(files).toEqual(
      [
        'bfd-down-recovery.yaml',
        'bfd-multihop-echo.yaml',
        'bfd-spoofed-packets.yaml',
        'bgp-open-unknown-parameter.yaml',
        'bgp-password.yaml',
        'bgp-ttl-security.yaml',
        'bgp-unnumbered.yaml',
        'bgp-vrf.yaml',
        'bgp-vrf-node.yaml',
        'dual-stack-over-ipv4.yaml',
        'enhanced-route-refresh.yaml',
        'graceful-restart.yaml',
        'hold-timer-expiry.yaml',
        'invalid-config-then-fixed.yaml',
        'frr-configuration.yaml',
        'ipv6-service.yaml',
        'l2-failover-mac.yaml',
        'l2-failover-statuses.yaml',
        'metrics.yaml',
        'node-loses-endpoint.yaml',
        'peer-admin-shutdown.yaml',
        'pool-exhausted.yaml',
        'router-restart.yaml',
        'seed-bgp-session-state.yaml',
        'seed-configuration-state.yaml',
        'seed-ipaddresspool-status.yaml',
        'seed-servicebgpstatus.yaml',
        'seed-servicebgpstatus-lab.yaml',
        'webhook-off-invalid-peer.yaml',
      ].sort(),
    );
  });

  it('all validate, with no error at all', async () => {
    const results = await validateScenarioFiles(files.map((f) => join(scenarioDir, f)));
    const problems = results.flatMap((r) => r.errors.map((e) => e.message));
    expect(problems).toEqual([]);
  });

  it('point editors at the schema and name themselves after their file', async () => {
    for (const f of files) {
      const text = readFileSync(join(scenarioDir, f), 'utf8');
      expect(
        text.startsWith('# yaml-language-server: $schema=../schema/scenario.schema.json\n'),
      ).toBe(true);
      expect((await loadScenario(join(scenarioDir, f))).name).toBe(f.replace(/\.yaml$/, ''));
    }
  });

  it('builtin scenarios run on virtual time; netns ones stay in the never-routed ranges', async () => {
    for (const f of files) {
      const s = await loadScenario(join(scenarioDir, f));
      if (s.backend === 'builtin') expect(s.clock).toBe('virtual');
      else {
        const addrs = [...s.topology.routers, ...s.topology.nodes].flatMap((x) => [
          x.addresses.ipv4?.address,
          x.addresses.ipv6?.address,
        ]);
        for (const a of addrs.filter(Boolean)) expect(a).toMatch(/^198\.1[89]\.|^2001:db8:/);
      }
    }
  });
});

// The seed's four procedures use its YAML verbatim; check against the seed itself.
const seedPath = resolve(repoRoot, '../shared/seed/metallb-status-reporting.txt');
const seedManifests = ['seed-l2', 'seed-bgp'].flatMap((d) =>
  readdirSync(join(scenarioDir, 'manifests', d)).map((f) => join(scenarioDir, 'manifests', d, f)),
);

describe.skipIf(!existsSync(seedPath))('seed manifests are verbatim', () => {
  it.each(seedManifests)('%s appears in the seed document as written', (file) => {
    const seed = readFileSync(seedPath, 'utf8');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    // The seed indents each block by some amount; every line must carry the same indent.
    const found = Array.from({ length: 16 }, (_, n) => ' '.repeat(n)).some((pad) =>
      seed.includes(lines.map((l) => pad + l).join('\n') + '\n'),
    );
    expect(found).toBe(true);
  });
});

if (!existsSync(seedPath)) {
  it.skip(`seed document not found at ${seedPath}; verbatim check skipped`, () => {});
}

describe('validation summary', () => {
  it('lists problems, closes with the counts and exits non-zero on failure', async () => {
    const results = await validateScenarioFiles([
      join(scenarioDir, 'bfd-down-recovery.yaml'),
      join(scenarioDir, 'no-such-scenario.yaml'),
    ]);
    const { text, exitCode } = validationSummary(results);
    expect(exitCode).toBe(1);
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(2);
    expect(lines[0]!.startsWith(`${join(scenarioDir, 'no-such-scenario.yaml')}:1:1: `)).toBe(true);
    expect(lines[1]).toBe('1 valid, 1 invalid');
    expect(validationSummary(results.slice(0, 1)).exitCode).toBe(0);
  });
});
