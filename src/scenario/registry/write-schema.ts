/**
 * `npm run schema`: rewrites schema/scenario.schema.json from the action and check registries
 * (then prettier formats it). Run it after adding or changing an action or check module.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { scenarioSchemaPath } from '../schema.js';
import { buildScenarioSchema } from './schema.js';

const path = scenarioSchemaPath();
const base = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
writeFileSync(path, `${JSON.stringify(buildScenarioSchema(base), null, 2)}\n`);
console.log(`wrote ${path}`);
