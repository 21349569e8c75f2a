import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import {
  injectHints,
  statusChanges,
  statusTable,
  statusWidths,
  type StatusSession,
} from '../../src/ui/status.js';

const row = (node: string, peer: string, bgp: string, bfd: string): StatusSession => ({
  node,
  peer,
  address: peer === 'r1' ? '198.18.0.1' : '198.18.0.2',
  bgp,
  bfd,
});

describe('lab status', () => {
  it('prints a table with a BFD column, in kubectl-style columns', () => {
    const rows = [row('worker0', 'r1', 'Established', 'Up'), row('worker0', 'r2', 'Active', 'N/A')];
    expect(statusTable(rows)).toEqual([
      'NODE      PEER   ADDRESS      BGP           BFD',
      'worker0   r1     198.18.0.1   Established   Up',
      'worker0   r2     198.18.0.2   Active        N/A',
    ]);
  });

  it('--watch prints one line per session whose BGP or BFD state changed, and gone ones', () => {
    const before = [row('w0', 'r1', 'Established', 'Up'), row('w0', 'r2', 'Established', 'N/A')];
    const widths = statusWidths(before);
    expect(statusChanges(before, before, widths)).toEqual([]);
    expect(
      statusChanges(before, [row('w0', 'r1', 'Established', 'Down'), before[1]!], widths),
    ).toEqual(['w0     r1     198.18.0.1   Established   Down']);
    expect(statusChanges(before, [before[0]!], widths)).toEqual([
      'w0     r2     198.18.0.2   Established   N/A   (gone)',
    ]);
    expect(
      statusChanges([], [row('w1', 'r1', 'Idle', 'Down')], widths).map((l) => l.split(/\s+/)),
    ).toEqual([['w1', 'r1', '198.18.0.1', 'Idle', 'Down']]);
  });

  it('hints name drop-bfd only with a router that runs BFD', async () => {
    const scenario = await loadScenario(path.join(import.meta.dirname, 'fixtures/live-view.yaml'), {
      allowOutsideFiles: true,
    });
    expect(injectHints(scenario, 'lab1')[0]).toBe(
      'speakersim inject drop-bfd --lab lab1 --router r1',
    );
    // The same lab with BFD on r2 only: the hint names r2, not the first router.
    const r2Only = {
      ...scenario,
      topology: {
        ...scenario.topology,
        routers: scenario.topology.routers.map((r) =>
          r.name === 'r1' ? { ...r, bfd: undefined } : { ...r, bfd: { detectMultiplier: 3 } },
        ),
      },
    };
    expect(injectHints(r2Only, 'lab1')[0]).toBe(
      'speakersim inject drop-bfd --lab lab1 --router r2',
    );
    // No BFD anywhere: no drop-bfd hint at all.
    const none = {
      ...scenario,
      topology: {
        ...scenario.topology,
        routers: scenario.topology.routers.map((r) => ({ ...r, bfd: undefined })),
      },
    };
    const hints = injectHints(none, 'lab1');
    expect(hints.some((h) => h.includes('drop-bfd'))).toBe(false);
    expect(hints).toContain('speakersim inject link-down --lab lab1 --router r1');
  });
});
