/**
 * `speakersim lab status [--watch]` and the hints `lab up` prints: pure formatting of what the
 * lab's control port reports, so the table and the hints are tested without a lab.
 */
import type { Scenario } from '../scenario/types.js';

export interface StatusSession {
  node: string;
  peer: string;
  address: string;
  bgp: string;
  /** As BGPSessionState shows it: N/A without BFD, Up, Down, Admin Down. */
  bfd: string;
}

const COLUMNS = ['NODE', 'PEER', 'ADDRESS', 'BGP', 'BFD'] as const;

function cells(s: StatusSession): string[] {
  return [s.node, s.peer, s.address, s.bgp, s.bfd];
}

/** Column widths that fit the header and every row (kubectl's: widest cell + 3). */
export function statusWidths(rows: readonly StatusSession[]): number[] {
  return COLUMNS.map((h, i) => Math.max(h.length, ...rows.map((r) => cells(r)[i]!.length)) + 3);
}

function line(values: readonly string[], widths: readonly number[]): string {
  return values
    .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
    .join('')
    .trimEnd();
}

/** The table: a header and one line per session. */
export function statusTable(rows: readonly StatusSession[], widths = statusWidths(rows)): string[] {
  return [line(COLUMNS, widths), ...rows.map((r) => line(cells(r), widths))];
}

const key = (s: StatusSession) => `${s.node}|${s.peer}|${s.address}`;

/**
 * `--watch`, like `kubectl get -w`: the sessions whose BGP or BFD state changed since `before`
 * (and new ones), one line each in the table's columns; gone ones are marked.
 */
export function statusChanges(
  before: readonly StatusSession[],
  after: readonly StatusSession[],
  widths: readonly number[],
): string[] {
  const old = new Map(before.map((s) => [key(s), s]));
  const out: string[] = [];
  for (const s of after) {
    const o = old.get(key(s));
    if (!o || o.bgp !== s.bgp || o.bfd !== s.bfd) out.push(line(cells(s), widths));
  }
  const now = new Set(after.map(key));
  for (const s of before)
    if (!now.has(key(s))) out.push(`${line(cells(s), widths)}   (gone)`.trimStart());
  return out;
}

/**
 * The inject commands `lab up` suggests, valid for this lab: drop-bfd only names a router
 * that runs BFD; a lab without BFD gets a BGP fault instead.
 */
export function injectHints(scenario: Scenario, lab: string): string[] {
  const routers = scenario.topology.routers;
  const withBfd = routers.find((r) => r.bfd !== undefined);
  const first = routers[0];
  const hints: string[] = [];
  if (withBfd) hints.push(`speakersim inject drop-bfd --lab ${lab} --router ${withBfd.name}`);
  if (first) {
    hints.push(`speakersim inject link-down --lab ${lab} --router ${first.name}`);
    hints.push(
      `speakersim inject vtysh --lab ${lab} --router ${first.name} --command 'show bgp summary'`,
    );
  }
  return hints;
}
