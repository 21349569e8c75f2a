import { existsSync, rmSync } from 'node:fs';
import { composeDir, composeTeardown } from './compose.js';
import { runSync } from './exec.js';
import {
  isAlive,
  killAndWait,
  listLinks,
  listNamespaces,
  namespacePids,
  parseNftTables,
  pidsWithArgument,
} from './kernel.js';
import { releaseLabRanges } from './host-routes.js';
import { releaseNeighborTable } from './neighbor-table.js';
import {
  LAB_LINK_STEM,
  labPrefix,
  labRunDir,
  linkPrefix,
  nftTableName,
  ownedName,
} from './names.js';
import { readState } from './state.js';

/**
 * Removes everything a lab created: processes in its namespaces (and any process whose command
 * line names the lab's run directory), the namespaces, the host links with the lab prefix, host
 * nft tables of the lab, and the run directory with its state file. Works from the state file
 * and by name prefix alike, so it cleans up after a crash. Synchronous (see kernel.ts).
 */

export interface TeardownReport {
  killed: number[];
  /** compose labs: containers and docker networks removed. */
  containers: string[];
  namespaces: string[];
  links: string[];
  nftTables: string[];
  /** Anything that could not be removed (normally empty). */
  leftovers: string[];
}

export function teardownLab(lab: string, runRoot: string): TeardownReport {
  const prefix = labPrefix(lab);
  const links = linkPrefix(lab);
  const report: TeardownReport = {
    killed: [],
    containers: [],
    namespaces: [],
    links: [],
    nftTables: [],
    leftovers: [],
  };
  let recorded: ReturnType<typeof readState>;
  try {
    recorded = readState(lab, runRoot);
  } catch {
    recorded = undefined; // A corrupt state file must not stop the sweep by prefix.
  }
  const runDir = labRunDir(lab, runRoot);

  // Containers first: Docker removes its own bridges, which the link sweep below would take.
  if (recorded?.backend === 'compose' || existsSync(composeDir(lab, runRoot))) {
    const docker = composeTeardown(lab);
    report.containers = docker.removed;
    report.leftovers.push(...docker.leftovers);
  }

  const namespaces = new Set([
    ...(recorded?.namespaces ?? []),
    ...listNamespaces().filter((n) => ownedName(n, prefix)),
  ]);
  const existing = new Set(listNamespaces());
  const pids = new Set<number>();
  for (const ns of namespaces) if (existing.has(ns)) namespacePids(ns).forEach((p) => pids.add(p));
  for (const daemons of Object.values(recorded?.pids ?? {})) {
    for (const pid of Object.values(daemons)) pids.add(pid);
  }
  // A daemon of this lab whose namespace is already gone is still found by its paths.
  pidsWithArgument(`${runDir}/`).forEach((p) => pids.add(p));
  const candidates = [...pids].filter(isAlive);
  const stubborn = killAndWait(candidates);
  report.killed = candidates.filter((p) => !stubborn.includes(p));
  report.leftovers.push(...stubborn.map((p) => `pid ${p}`));

  for (const ns of namespaces) {
    if (!existing.has(ns)) continue;
    const r = runSync(['ip', 'netns', 'del', ns], { allowFailure: true });
    if (r.code === 0) report.namespaces.push(ns);
    else report.leftovers.push(`netns ${ns}`);
  }

  // Deleting a namespace also deletes the veth ends inside it and, with them, their peers.
  const ownLinks = new Set([
    ...(recorded?.links ?? []).filter((l) => ownedName(l, links)),
    ...listLinks().filter((l) => ownedName(l, links)),
  ]);
  const present = new Set(listLinks());
  for (const link of ownLinks) {
    if (!present.has(link)) continue;
    const r = runSync(['ip', 'link', 'del', link], { allowFailure: true });
    if (r.code === 0) report.links.push(link);
    // The kernel removes a veth whose peer left with its namespace a moment later: only a
    // link that is still there afterwards is a leftover.
    else if (listLinks().includes(link)) report.leftovers.push(`link ${link}`);
  }

  const tables = runSync(['nft', 'list', 'tables'], { allowFailure: true });
  for (const t of parseNftTables(tables.stdout).filter((x) => x.name === nftTableName(lab))) {
    const r = runSync(['nft', 'delete', 'table', t.family, t.name], { allowFailure: true });
    if (r.code === 0) report.nftTables.push(`${t.family} ${t.name}`);
    else report.leftovers.push(`nft table ${t.family} ${t.name}`);
  }

  if (existsSync(runDir)) rmSync(runDir, { recursive: true, force: true });
  try {
    releaseNeighborTable(runDir);
  } catch (e) {
    report.leftovers.push(`neighbor table reservation (${(e as Error).message})`);
  }
  // The last lab gone (no lab link left, of any lab): the host's lab-range guard goes too.
  if (!listLinks().some((l) => l.startsWith(LAB_LINK_STEM))) releaseLabRanges();
  return report;
}

/** True when nothing of the lab is left in the kernel or the process table. */
export function labLeftovers(lab: string, runRoot: string): string[] {
  const prefix = labPrefix(lab);
  return [
    ...listNamespaces()
      .filter((n) => ownedName(n, prefix))
      .map((n) => `netns ${n}`),
    ...listLinks()
      .filter((l) => ownedName(l, linkPrefix(lab)))
      .map((l) => `link ${l}`),
    ...pidsWithArgument(`${labRunDir(lab, runRoot)}/`)
      .filter(isAlive)
      .map((p) => `pid ${p}`),
  ];
}
