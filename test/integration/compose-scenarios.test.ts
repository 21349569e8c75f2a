import { expect } from 'vitest';
import { composeLeftovers } from '../../src/lab/compose.js';
import { labNameFor } from '../../src/lab/names.js';
import { shippedScenarios } from './shipped-scenarios.js';

// `speakersim run --backend compose scenarios/*.yaml`: every shipped scenario that runs on netns
// also runs on FRR containers, and each leaves no container or docker network behind.
shippedScenarios('compose', ['root', 'ip', 'nft', 'docker'], (lab) =>
  expect(composeLeftovers(labNameFor(lab))).toEqual([]),
);
