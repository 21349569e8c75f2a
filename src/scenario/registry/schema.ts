/**
 * Builds schema/scenario.schema.json's step and check parts from the registries: each action
 * module's keys and definitions, each check module's definition, and the "exactly one key"
 * oneOf lists. Everything else (topology, resources, shared definitions) stays as written in
 * the file. `npm run schema` writes the result; test/scenario/registry.test.ts fails when the
 * file and the registries disagree.
 */
import { ACTIONS } from './actions.js';
import { CHECKS } from './checks.js';
import type { SchemaNode } from './types.js';

type Defs = Record<string, SchemaNode>;

/** Definitions that take one check (the schema.ts messages say "check" for them). */
export function checkStepDefinitions(): string[] {
  return (ACTIONS as readonly { checkDefinition?: string }[]).flatMap((a) =>
    a.checkDefinition ? [a.checkDefinition] : [],
  );
}

export function buildScenarioSchema(base: SchemaNode): SchemaNode {
  const schema = structuredClone(base);
  const defs = schema['definitions'] as Defs;
  const stepProps: Record<string, SchemaNode> = {
    name: (defs['step']!['properties'] as Record<string, SchemaNode>)['name']!,
  };
  for (const a of ACTIONS) {
    Object.assign(defs, 'definitions' in a ? a.definitions : {});
    Object.assign(stepProps, a.keys);
  }
  const stepKeys = Object.keys(stepProps).filter((k) => k !== 'name');
  defs['step'] = {
    ...defs['step'],
    properties: stepProps,
    oneOf: stepKeys.map((k) => ({ required: [k] })),
  };
  const checkProps: Record<string, SchemaNode> = {};
  for (const c of CHECKS) {
    const [name, definition] = c.definition;
    defs[name] = definition;
    checkProps[c.key] = { $ref: `#/definitions/${name}` };
  }
  for (const def of checkStepDefinitions()) {
    const node = defs[def];
    if (!node) continue;
    const own = Object.fromEntries(
      Object.entries((node['properties'] as Record<string, SchemaNode>) ?? {}).filter(
        ([k]) => !CHECKS.some((c) => c.key === k),
      ),
    );
    defs[def] = {
      ...node,
      properties: { ...checkProps, ...own },
      oneOf: CHECKS.map((c) => ({ required: [c.key] })),
    };
  }
  const top = schema['properties'] as Record<string, SchemaNode>;
  top['steps'] = {
    ...top['steps'],
    description: `Ordered steps. Each has one action key (${stepKeys.join(', ')}) and an optional name.`,
  };
  return schema;
}
