import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  neighborDemand,
  readThresholds,
  releaseNeighborTable,
  reserveNeighborTable,
  type NeighborTableHost,
} from '../../src/lab/neighbor-table.js';
import type { LabTopology } from '../../src/lab/topology.js';

/** P routers and K nodes on one IPv4 segment (the scale bench's shape). */
function fanOut(p: number, k: number, ipv6 = false): LabTopology {
  return {
    name: 'fan',
    segments: [
      {
        name: 'lan',
        ipv4Prefix: '198.19.64.0/22',
        ...(ipv6 ? { ipv6Prefix: '2001:db8::/64' } : {}),
      },
    ],
    routers: Array.from({ length: p }, (_, i) => ({
      name: `r${i + 1}`,
      asn: 64500,
      routerId: `198.19.64.${i + 1}`,
      interfaces: [
        {
          segment: 'lan',
          ipv4: `198.19.64.${i + 1}`,
          ...(ipv6 ? { ipv6: `2001:db8::${i + 1}` } : {}),
        },
      ],
      neighbors: [],
    })),
    nodes: Array.from({ length: k }, (_, i) => ({
      name: `n${i}`,
      asn: 64501,
      segment: 'lan',
      ipv4: `198.19.65.${i}`,
      ...(ipv6 ? { ipv6: `2001:db8::1:${i}` } : {}),
    })),
  };
}

describe('neighborDemand', () => {
  it('counts every address each router may learn on its segment, and the host', () => {
    // 20 routers x (20 routers + 500 nodes + 16) + 20 + 16: the 10,000-session bench.
    expect(neighborDemand(fanOut(20, 500))).toEqual({ ipv4: 10_756, ipv6: 0 });
    // IPv6 twice over: link-local and global addresses.
    expect(neighborDemand(fanOut(2, 3, true))).toEqual({
      ipv4: 2 * (2 + 3 + 16) + 2 + 16,
      ipv6: 2 * (2 * (2 + 3 + 16) + 2 + 16),
    });
  });

  it('is above the 1,024 of a stock host exactly when the lab outgrows it', () => {
    expect(neighborDemand(fanOut(4, 250)).ipv4).toBeGreaterThan(1_024);
    expect(neighborDemand(fanOut(2, 10)).ipv4).toBeLessThan(100);
  });
});

describe('reserve and release', () => {
  let dir: string;
  let host: NeighborTableHost;
  const set = (fam: string, values: number[]) =>
    values.forEach((v, i) =>
      writeFileSync(join(dir, 'sys', fam, 'neigh', 'default', `gc_thresh${i + 1}`), `${v}\n`),
    );
  const stateFile = (name: string): string => {
    const p = join(dir, `${name}.json`);
    writeFileSync(p, '{}');
    return p;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'speakersim-ntable-'));
    for (const fam of ['ipv4', 'ipv6']) {
      mkdirSync(join(dir, 'sys', fam, 'neigh', 'default'), { recursive: true });
      set(fam, [128, 512, 1024]);
    }
    host = { sysctlRoot: join(dir, 'sys'), ledgerPath: join(dir, 'run', 'neighbor-tables.json') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('raises by the sum of the labs up and gives the host its values back after the last', () => {
    reserveNeighborTable('a', { ipv4: 10_000, ipv6: 0 }, stateFile('a'), host);
    expect(readThresholds(host, 'ipv4')).toEqual([10_128, 10_512, 11_024]);
    expect(readThresholds(host, 'ipv6')).toEqual([128, 512, 1024]);
    reserveNeighborTable('b', { ipv4: 2_000, ipv6: 500 }, stateFile('b'), host);
    expect(readThresholds(host, 'ipv4')).toEqual([12_128, 12_512, 13_024]);
    expect(readThresholds(host, 'ipv6')).toEqual([628, 1012, 1524]);
    releaseNeighborTable('a', host);
    expect(readThresholds(host, 'ipv4')).toEqual([2_128, 2_512, 3_024]);
    releaseNeighborTable('b', host);
    expect(readThresholds(host, 'ipv4')).toEqual([128, 512, 1024]);
    expect(readThresholds(host, 'ipv6')).toEqual([128, 512, 1024]);
    expect(existsSync(host.ledgerPath)).toBe(false);
  });

  it('adds to what the host had, and forgets labs whose state file is gone', () => {
    set('ipv4', [50_000, 60_000, 70_000]);
    reserveNeighborTable('a', { ipv4: 10_000, ipv6: 0 }, stateFile('a'), host);
    expect(readThresholds(host, 'ipv4')).toEqual([60_000, 70_000, 80_000]);
    releaseNeighborTable('a', host);
    expect(readThresholds(host, 'ipv4')).toEqual([50_000, 60_000, 70_000]);

    set('ipv4', [128, 512, 1024]);
    const crashed = stateFile('crashed');
    reserveNeighborTable('crashed', { ipv4: 5_000, ipv6: 0 }, crashed, host);
    rmSync(crashed); // removed without `lab down`
    reserveNeighborTable('c', { ipv4: 1_000, ipv6: 0 }, stateFile('c'), host);
    const ledger = JSON.parse(readFileSync(host.ledgerPath, 'utf8')) as { labs: object };
    expect(Object.keys(ledger.labs)).toEqual(['c']);
    releaseNeighborTable('c', host);
    expect(readThresholds(host, 'ipv4')).toEqual([128, 512, 1024]);
  });

  it("takes over a crashed holder's lock at once", () => {
    mkdirSync(join(dir, 'run'), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(`${host.ledgerPath}.lock`, String(dead));
    const t0 = Date.now();
    reserveNeighborTable('a', { ipv4: 100, ipv6: 0 }, stateFile('a'), host);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(existsSync(`${host.ledgerPath}.lock`)).toBe(false);
    expect(readThresholds(host, 'ipv4')).toEqual([228, 612, 1124]);
  });

  it('refuses with the figures when the thresholds cannot be raised, and changes nothing', () => {
    const readOnly: NeighborTableHost = {
      ...host,
      write: () => {
        throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
      },
    };
    let err: unknown;
    try {
      reserveNeighborTable('a', { ipv4: 10_000, ipv6: 0 }, stateFile('a'), readOnly);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERR_LAB_NEIGHBOR_TABLE' });
    expect((err as Error).message).toContain('10000 ipv4 neighbor entries');
    expect((err as Error).message).toContain('10128/10512/11024');
    expect(readThresholds(host, 'ipv4')).toEqual([128, 512, 1024]);
    expect(existsSync(host.ledgerPath)).toBe(false);
    // A lab that fits needs no write at all.
    reserveNeighborTable('b', { ipv4: 0, ipv6: 0 }, stateFile('b'), readOnly);
    // Read-only but sized by the admin for the labs beside a stock host: accepted as it is.
    set('ipv4', [20_000, 20_000, 20_000]);
    reserveNeighborTable('c', { ipv4: 10_000, ipv6: 0 }, stateFile('c'), readOnly);
    expect(readThresholds(host, 'ipv4')).toEqual([20_000, 20_000, 20_000]);
  });
});
