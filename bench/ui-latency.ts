/**
 * Live view latency: from `inject drop-bfd` to the page in headless Chromium showing the
 * session's BFD Down, split into fault -> API server (BFD detection: 3 x 100 ms, then the
 * BGPSessionState write, seen by this process's own watch) and API server -> page (the live
 * view's watch, SSE, the page's drawing; it can be negative: the view's watch, opened first,
 * may hear the change before this process's). `view's watch -> page` is the view's own part. One builtin lab in real time (test/ui/fixtures),
 * one Chromium; each run drops BFD between r1 and worker0, then restores it and waits for
 * Established/Up again.
 *   npx tsx bench/ui-latency.ts [--runs 5]
 */
import { parseArgs } from 'node:util';
import {
  allUp,
  bfdDownLatency,
  bfdRestored,
  chromiumPath,
  startUiLab,
} from '../test/ui/harness.js';
import { spread } from './stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const chromium = chromiumPath();
if (!chromium) {
  console.error('needs chromium (Debian package chromium) or $CHROMIUM');
  process.exit(1);
}
const lab = await startUiLab(chromium);
try {
  await allUp(lab);
  const toApi: number[] = [];
  const apiToPage: number[] = [];
  const toPage: number[] = [];
  const viewToPage: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await bfdDownLatency(lab, 'worker0');
    toApi.push(r.api.at - r.injectedAt);
    apiToPage.push(r.page.at - r.api.at);
    toPage.push(r.page.at - r.injectedAt);
    viewToPage.push(r.page.at - r.page.seenAt);
    if (r.api.at - r.injectedAt > 1000)
      console.log(
        `  (slow) API server saw: ${JSON.stringify(lab.api.filter((o) => o.at >= r.injectedAt))}`,
      );
    console.log(
      `run ${i + 1}: fault -> API server ${r.api.at - r.injectedAt} ms, API server -> page ${r.page.at - r.api.at} ms, fault -> page ${r.page.at - r.injectedAt} ms (live view server's watch -> drawn ${r.page.at - r.page.seenAt} ms)`,
    );
    await bfdRestored(lab, 'worker0', 60_000);
    // Let both ends settle (BFD timers back to their negotiated values) before the next drop.
    await new Promise((r) => setTimeout(r, 2000));
  }
  console.log(`\n${runs} runs (median, min, max):`);
  console.log(`  fault -> API server:  ${spread(toApi, { unit: 'ms' })}`);
  console.log(`  API server -> page:   ${spread(apiToPage, { unit: 'ms' })}`);
  console.log(`  fault -> page:        ${spread(toPage, { unit: 'ms' })}`);
  console.log(`  view's watch -> page: ${spread(viewToPage, { unit: 'ms' })}`);
} finally {
  await lab.close();
}
