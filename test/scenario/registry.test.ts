import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  INJECT_NAMES,
  actionKeys,
  injectAction,
} from '../../src/scenario/registry/actions.js';
import { CHECKS } from '../../src/scenario/registry/checks.js';
import { buildScenarioSchema } from '../../src/scenario/registry/schema.js';
import { scenarioSchemaPath, stepActionKeys } from '../../src/scenario/schema.js';

const file = JSON.parse(readFileSync(scenarioSchemaPath(), 'utf8')) as Record<string, unknown>;

describe('action and check registry', () => {
  it('schema/scenario.schema.json is what the registries build (else: npm run schema)', () => {
    expect(file).toEqual(buildScenarioSchema(file));
  });

  it('every step key of the schema is parsed by exactly one action module', () => {
    expect(actionKeys()).toEqual(stepActionKeys());
    const owners = stepActionKeys().map((k) => ACTIONS.filter((a) => k in a.keys).length);
    expect(owners.every((n) => n === 1)).toBe(true);
  });

  it('every check has its own key and schema definition', () => {
    const keys = CHECKS.map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    const defs = file['definitions'] as Record<string, unknown>;
    for (const c of CHECKS) expect(defs[c.definition[0]]).toEqual(c.definition[1]);
  });

  it('inject names come from the action modules and make their actions', () => {
    expect(INJECT_NAMES).toEqual([
      'link-down',
      'link-up',
      'drop-bgp',
      'drop-bfd',
      'restore-bgp',
      'restore-bfd',
      'kill',
      'restart',
      'vtysh',
      'node-stop',
      'node-restart',
    ]);
    expect(injectAction('drop-bfd', { router: 'r2', node: 'worker1' })).toEqual({
      kind: 'packets',
      mode: 'drop',
      protocol: 'bfd',
      router: 'r2',
      node: 'worker1',
      direction: 'both',
    });
    expect(injectAction('kill', {})).toEqual({
      kind: 'daemon',
      op: 'kill',
      router: 'r1',
      daemon: 'bgpd',
    });
    expect(() => injectAction('melt', {})).toThrow(
      expect.objectContaining({ code: 'ERR_SCENARIO_UNKNOWN_FAULT' }),
    );
  });
});
