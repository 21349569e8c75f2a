import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SpeakersimError } from '../core/errors.js';
import { LAB_RUN_ROOT } from './names.js';
import { sleepSync, tryLock } from './proc.js';
import type { AddressFamily, LabTopology } from './topology.js';

/**
 * The kernel's ARP and NDP tables are one table each for the whole host: an entry a router's
 * namespace learns for a node counts against the same `gc_thresh3` (1,024 by default,
 * net.ipv4.neigh.default and net.ipv6.neigh.default, which only the host namespace has) as the
 * host's own. Past it the kernel refuses new entries ("neighbour: arp_cache: neighbor table
 * overflow!") and garbage-collects idle ones, so a router that goes 60 s without a packet to a
 * node (BGP's default keepalive) loses the node's entry and cannot get it back: its KEEPALIVEs
 * stop, and the node's hold timer expires 180 s later. 20 routers with 100 nodes each (2,000
 * entries) flapped hundreds of sessions that way; 500 nodes each hardly came up.
 *
 * So a lab reserves the entries it may hold, and the host's three thresholds are raised by the
 * sum of the reservations of the labs that are up, above what they were before the first lab:
 * below gc_thresh1 the kernel collects nothing, so no entry a lab uses is taken from it. The
 * ledger (/run/speakersim/neighbor-tables.json) keeps the host's own values and each lab's
 * reservation; the last lab to go puts the host's values back.
 */

/** Entries for addresses a lab does not name: service IPs answered on the segment (L2 mode). */
const SLACK_PER_SEGMENT = 16;
/** Linux's default gc_thresh3: what a host is assumed to need for itself when it is not said. */
const STOCK_GC_THRESH3 = 1024;

export type Thresholds = [number, number, number];
export type FamilyCounts = Record<AddressFamily, number>;

/** What a lab can hold, at most, per family: every router learns every other address on its
 * segments, the host learns the routers (IPv6 twice: link-local and global addresses). */
export function neighborDemand(t: LabTopology): FamilyCounts {
  const out: FamilyCounts = { ipv4: 0, ipv6: 0 };
  for (const s of t.segments) {
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const routers = t.routers.filter((r) =>
        r.interfaces.some(
          (i) =>
            i.segment === s.name &&
            (i[fam] !== undefined || (fam === 'ipv6' && i.linkLocal !== undefined)),
        ),
      ).length;
      const nodes = t.nodes.filter(
        (n) =>
          (n.segment === s.name && (n[fam] !== undefined || (fam === 'ipv6' && n.interface))) ||
          (n.vrfs ?? []).some((v) => v.segment === s.name && v[fam] !== undefined),
      ).length;
      if (routers === 0) continue;
      const perAddress =
        routers * (routers + nodes + SLACK_PER_SEGMENT) + routers + SLACK_PER_SEGMENT;
      out[fam] += fam === 'ipv6' ? 2 * perAddress : perAddress;
    }
  }
  return out;
}

export interface NeighborTableLedger {
  version: 1;
  /** The host's thresholds before the first lab raised them. */
  original: Record<AddressFamily, Thresholds>;
  /** Lab key (runRoot/lab) -> its reservation and the state file that says it is still there. */
  labs: Record<string, { demand: FamilyCounts; stateFile: string }>;
}

/** The thresholds for the host: its own plus every reservation. */
export function plannedThresholds(ledger: NeighborTableLedger): Record<AddressFamily, Thresholds> {
  const sum: FamilyCounts = { ipv4: 0, ipv6: 0 };
  for (const l of Object.values(ledger.labs)) {
    sum.ipv4 += l.demand.ipv4;
    sum.ipv6 += l.demand.ipv6;
  }
  const plus = (t: Thresholds, n: number): Thresholds => [t[0] + n, t[1] + n, t[2] + n];
  return { ipv4: plus(ledger.original.ipv4, sum.ipv4), ipv6: plus(ledger.original.ipv6, sum.ipv6) };
}

/** The host's ARP/NDP table cannot be made as large as the lab needs. */
export class LabNeighborTableError extends SpeakersimError {
  constructor(message: string) {
    super('ERR_LAB_NEIGHBOR_TABLE', message);
  }
}

export interface NeighborTableHost {
  /** /proc/sys/net (tests: a directory of the same shape). */
  sysctlRoot: string;
  ledgerPath: string;
  /** Writes one threshold (default: the file; tests: a /proc/sys that is read-only). */
  write?: (path: string, value: string) => void;
}

export const HOST: NeighborTableHost = {
  sysctlRoot: '/proc/sys/net',
  ledgerPath: join(LAB_RUN_ROOT, 'neighbor-tables.json'),
};

const thresholdPath = (h: NeighborTableHost, fam: AddressFamily, k: number): string =>
  join(h.sysctlRoot, fam, 'neigh', 'default', `gc_thresh${k}`);

export function readThresholds(h: NeighborTableHost, fam: AddressFamily): Thresholds {
  return [1, 2, 3].map((k) =>
    Number(readFileSync(thresholdPath(h, fam, k), 'utf8').trim()),
  ) as Thresholds;
}

function writeThresholds(h: NeighborTableHost, fam: AddressFamily, want: Thresholds): void {
  const now = readThresholds(h, fam);
  // Raising: the largest first, so that 1 <= 2 <= 3 holds at every step; lowering: the smallest.
  const order = want[2] >= now[2] ? [2, 1, 0] : [0, 1, 2];
  for (const i of order) {
    if (now[i] !== want[i])
      (h.write ?? writeFileSync)(thresholdPath(h, fam, i + 1), `${want[i]}\n`);
  }
}

/** Runs `fn` holding the ledger's lock (a dead holder's is taken over, as the registry's). */
function withLock<T>(h: NeighborTableHost, fn: () => T): T {
  const lock = `${h.ledgerPath}.lock`;
  mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + 10_000;
  while (!tryLock(lock)) {
    if (Date.now() > deadline) throw new LabNeighborTableError(`${lock} still held after 10 s`);
    sleepSync(20);
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readLedger(h: NeighborTableHost): NeighborTableLedger | undefined {
  if (!existsSync(h.ledgerPath)) return undefined;
  try {
    const l = JSON.parse(readFileSync(h.ledgerPath, 'utf8')) as NeighborTableLedger;
    if (l.version === 1 && l.original?.ipv4?.length === 3 && l.original?.ipv6?.length === 3)
      return l;
  } catch {
    // A torn or foreign file: start again from the host's values as they are.
  }
  return undefined;
}

function writeLedger(h: NeighborTableHost, l: NeighborTableLedger): void {
  const tmp = `${h.ledgerPath}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(l, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, h.ledgerPath);
}

/** Drops reservations of labs whose state file is gone (removed without `lab down`). */
function prune(l: NeighborTableLedger): void {
  for (const [key, lab] of Object.entries(l.labs))
    if (!existsSync(lab.stateFile)) delete l.labs[key];
}

/**
 * Reserves `demand` for the lab `key` and raises the host's thresholds to cover every lab up.
 * Thresholds already that high are left alone; when they are too low and cannot be written,
 * LabNeighborTableError says by how much.
 */
export function reserveNeighborTable(
  key: string,
  demand: FamilyCounts,
  stateFile: string,
  h: NeighborTableHost = HOST,
): void {
  withLock(h, () => {
    const ledger: NeighborTableLedger = readLedger(h) ?? {
      version: 1,
      original: { ipv4: readThresholds(h, 'ipv4'), ipv6: readThresholds(h, 'ipv6') },
      labs: {},
    };
    prune(ledger);
    ledger.labs[key] = { demand, stateFile };
    const want = plannedThresholds(ledger);
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const now = readThresholds(h, fam);
      if (now[0] >= want[fam][0] && now[1] >= want[fam][1] && now[2] >= want[fam][2]) {
        continue;
      }
      try {
        writeThresholds(h, fam, want[fam].map((v, i) => Math.max(v, now[i]!)) as Thresholds);
      } catch (e) {
        // Read-only (a container's /proc/sys): enough when the labs fit beside a stock host's own.
        const labs = want[fam][0] - ledger.original[fam][0];
        if (now[0] >= labs && now[2] >= labs + STOCK_GC_THRESH3) continue;
        throw new LabNeighborTableError(
          `the lab may hold ${demand[fam]} ${fam} neighbor entries but the host's table collects ` +
            `above ${now[0]} and refuses above ${now[2]} (net.${fam}.neigh.default.gc_thresh1..3), ` +
            `and raising them to ${want[fam].join('/')} failed: ${(e as Error).message}`,
        );
      }
    }
    writeLedger(h, ledger);
  });
}

/** Ends the lab's reservation; the last one gone puts the host's own thresholds back. */
export function releaseNeighborTable(key: string, h: NeighborTableHost = HOST): void {
  if (!existsSync(h.ledgerPath)) return;
  withLock(h, () => {
    const ledger = readLedger(h);
    if (!ledger) {
      rmSync(h.ledgerPath, { force: true });
      return;
    }
    delete ledger.labs[key];
    prune(ledger);
    const want = plannedThresholds(ledger);
    for (const fam of ['ipv4', 'ipv6'] as const) {
      try {
        writeThresholds(h, fam, want[fam]);
      } catch {
        // Still raised: harmless, and a teardown must not stop half way.
      }
    }
    if (Object.keys(ledger.labs).length === 0) rmSync(h.ledgerPath, { force: true });
    else writeLedger(h, ledger);
  });
}
