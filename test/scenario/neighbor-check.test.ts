import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';

// The `neighbor` check's parsing: exactly one of node / unresolved, known names, an address.
const file = join(resolve(import.meta.dirname, '../..'), 'scenarios', 'neighbor-test.yaml');

function parse(check: string) {
  return parseScenario(
    `name: neighbor-test
topology:
  routers:
    - {name: r1, asn: 64500, addresses: {ipv4: 198.18.0.1/24}}
  nodes:
    - {name: worker0, addresses: {ipv4: 198.18.0.101/24}}
steps:
  - expect:
      neighbor: ${check}
`,
    file,
  );
}

describe('neighbor check', () => {
  it('parses a node or unresolved', () => {
    const a = parse('{router: r1, address: 198.18.0.200, node: worker0}');
    const b = parse("{router: r1, address: '2001:db8::200', unresolved: true}");
    expect(a.ok && a.scenario.steps[0]).toMatchObject({
      action: {
        expectation: { kind: 'neighbor', router: 'r1', address: '198.18.0.200', node: 'worker0' },
      },
    });
    expect(b.ok).toBe(true);
  });

  it.each([
    ['neither node nor unresolved', '{router: r1, address: 198.18.0.200}', 'MISSING_FIELD'],
    [
      'both',
      '{router: r1, address: 198.18.0.200, node: worker0, unresolved: true}',
      'MISSING_FIELD',
    ],
    ['an unknown node', '{router: r1, address: 198.18.0.200, node: worker9}', 'UNKNOWN_REFERENCE'],
    [
      'an unknown router',
      '{router: r9, address: 198.18.0.200, node: worker0}',
      'UNKNOWN_REFERENCE',
    ],
    ['no address', '{router: r1, node: worker0}', 'MISSING_FIELD'],
    ['not an address', '{router: r1, address: web, node: worker0}', 'BAD_VALUE'],
  ])('refuses %s', (_, check, code) => {
    const r = parse(check);
    expect(r.ok ? [] : r.errors.map((e) => e.code)).toEqual([`ERR_SCENARIO_${code}`]);
  });
});
