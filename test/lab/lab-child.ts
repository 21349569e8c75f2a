/**
 * A separate process for the lab cleanup tests (test/integration/lab-cleanup.test.ts), which
 * need a process that dies in the middle of things:
 *   crash <lab> <subnet>      labUp with cleanupOnExit, print UP, then SIGKILL itself: no
 *                             handler runs, so the lab is left behind with a dead owner
 *   hold <lab> <subnet>       labUp with cleanupOnExit, print UP, wait for a signal
 *   interrupt <lab> <subnet>  labUp with cleanupOnExit (the parent signals it during up)
 */
import { labUp } from '../../src/lab/lifecycle.js';
import { testLabTopology } from './fixtures.js';

const [mode, lab, subnet] = process.argv.slice(2);
const topology = testLabTopology(lab ?? 'x', { subnet: Number(subnet), twoRouters: true });

await labUp(topology, { cleanupOnExit: true });
process.stdout.write('UP\n');
if (mode === 'crash') process.kill(process.pid, 'SIGKILL');
// Stay alive until signalled (bounded: never outlive a broken test run by long).
setTimeout(() => process.exit(3), 120_000);
