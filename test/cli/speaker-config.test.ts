import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpeakerConfig } from '../../src/cli/speaker.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'speakersim-speaker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('speakersim speaker --config', () => {
  it('reads the shipped example', async () => {
    const cfg = await loadSpeakerConfig(join(root, 'examples/speaker.yaml'));
    expect(cfg.asn).toBe(64501);
    expect(cfg.peers.map((p) => p.address)).toEqual(['198.18.0.1', '2001:db8::1']);
    expect(cfg.routes?.[0]?.communities).toEqual(['65000:100']);
  });

  it('names the line and column of a YAML error', async () => {
    await expect(loadSpeakerConfig(file('bad.yaml', 'asn: 64501\npeers: [\n'))).rejects.toThrow(
      /bad\.yaml:\d+:\d+: /,
    );
  });

  it('names the field a config gets wrong', async () => {
    await expect(
      loadSpeakerConfig(file('noasn.yaml', 'peers: [{address: 198.18.0.1, asn: 64500}]\n')),
    ).rejects.toThrow(/noasn\.yaml: \/ must have required property 'asn'/);
    await expect(
      loadSpeakerConfig(
        file('port.yaml', 'asn: 1\npeers: [{address: 198.18.0.1, asn: 2, port: 70000}]\n'),
      ),
    ).rejects.toThrow(/\/peers\/0\/port must be <= 65535/);
  });
});
