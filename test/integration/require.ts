import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { composeUnavailable } from '../../src/lab/compose.js';
import { labDown, labUp, type LabInfo } from '../../src/lab/lifecycle.js';
import type { LabTopology } from '../../src/lab/topology.js';

/**
 * Integration tests that need root, FRR, iproute2 or nftables. When something is missing they
 * skip and say why; when SPEAKERSIM_REQUIRE_INTEGRATION=1 (CI) they fail instead, so CI cannot
 * pass by skipping.
 */

export type Need = 'root' | 'frr' | 'vtysh' | 'ip' | 'nft' | 'chromium' | 'docker';

const checks: Record<Need, () => string | undefined> = {
  root: () =>
    typeof process.getuid === 'function' && process.getuid() === 0 ? undefined : 'needs root',
  frr: () =>
    ['zebra', 'bgpd', 'bfdd', 'staticd']
      .map((d) => `/usr/lib/frr/${d}`)
      .filter((p) => !existsSync(p))
      .map((p) => `needs ${p} (Debian package frr)`)[0],
  vtysh: () => (existsSync('/usr/bin/vtysh') ? undefined : 'needs /usr/bin/vtysh'),
  ip: () =>
    existsSync('/usr/sbin/ip') || existsSync('/sbin/ip') ? undefined : 'needs ip (iproute2)',
  nft: () =>
    existsSync('/usr/sbin/nft') || existsSync('/sbin/nft') ? undefined : 'needs nft (nftables)',
  chromium: () =>
    [process.env.CHROMIUM, '/usr/bin/chromium'].some((p) => p && existsSync(p))
      ? undefined
      : 'needs a headless browser: /usr/bin/chromium (Debian package chromium) or $CHROMIUM',
  // A Docker engine (DOCKER_HOST), compose v1 or v2 and the FRR image (.ci/run builds it).
  docker: () => composeUnavailable(),
};

/** Reasons why these needs are not met here (empty when all are). */
export function missing(needs: readonly Need[]): string[] {
  return needs.map((n) => checks[n]()).filter((r): r is string => r !== undefined);
}

export const integrationRequired = process.env.SPEAKERSIM_REQUIRE_INTEGRATION === '1';

/**
 * `integration(['root', 'frr'])('name', () => { ... })`: a sequential describe when the needs
 * are met; otherwise a skipped one whose title and a printed line give the reason, or (with
 * SPEAKERSIM_REQUIRE_INTEGRATION=1) a describe whose single test fails with the reason.
 */
export function integration(needs: readonly Need[]) {
  const reasons = missing(needs);
  return (name: string, body: () => void): void => {
    if (reasons.length === 0) {
      describe.sequential(name, body);
    } else if (integrationRequired) {
      describe(name, () => {
        it('has its prerequisites (SPEAKERSIM_REQUIRE_INTEGRATION=1)', () => {
          throw new Error(`missing prerequisites: ${reasons.join('; ')}`);
        });
      });
    } else {
      console.warn(`[skip] ${name}: ${reasons.join('; ')}`);
      describe.skip(`${name} (skipped: ${reasons.join('; ')})`, body);
    }
  };
}

const LOCK_DIR = '/run/speakersim/.integration-lock';

function ownerAlive(): boolean {
  try {
    const pid = Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM still means alive; a missing pid file means the owner is between mkdir and write.
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EPERM' || code === 'ENOENT';
  }
}

/**
 * Serialises lab integration files across vitest workers: they share kernel state and the two
 * cores, and timing assertions (hold timers) should not compete with another lab's startup.
 * mkdir is atomic; the holder writes its pid inside, and a lock whose holder died (a killed
 * run) is taken over.
 */
export function serialLabFile(waitMs = 600_000): void {
  let held = false;
  beforeAll(async () => {
    mkdirSync('/run/speakersim', { recursive: true });
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        mkdirSync(LOCK_DIR);
        writeFileSync(`${LOCK_DIR}/pid`, String(process.pid));
        held = true;
        return;
      } catch {
        if (!ownerAlive()) rmSync(LOCK_DIR, { recursive: true, force: true });
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for the lab integration lock');
      await new Promise((r) => setTimeout(r, 250));
    }
  }, waitMs + 5_000);
  afterAll(() => {
    if (held) rmSync(LOCK_DIR, { recursive: true, force: true });
  });
}

/**
 * The file's own lab: serialised with the other lab files, up before its tests, removed after
 * them. Returns the lab's info once it is up.
 */
export function labForFile(topology: LabTopology): () => LabInfo {
  serialLabFile();
  let info: LabInfo | undefined;
  beforeAll(async () => {
    info = await labUp(topology, { cleanupOnExit: true });
  }, 60_000);
  afterAll(async () => {
    await labDown(topology.name, { force: true });
  });
  return () => {
    if (!info) throw new Error(`lab ${topology.name} is not up`);
    return info;
  };
}
