import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ApiServer } from '../../src/k8s/api-server.js';
import { DEFAULT_HISTORY_BYTES } from '../../src/k8s/store/object-store.js';

/**
 * Soak (issue 15): repeated large writes keep the server's memory bounded. 161 updates of a
 * 7 MiB ConfigMap took it to 2.5 GB: every version stayed in the watch history. Now objects
 * are limited as etcd limits them and the history is bounded by bytes, so 160 updates of a
 * 1 MiB ConfigMap (the largest the real server takes) leave the heap within the history bound
 * plus the live object, and once the object is deleted, compaction frees its versions.
 * Bounded in time (well under 60 s).
 */

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapMiB = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

let server: ApiServer;
/** Drives the history compaction (every 5 minutes of this clock). */
const timers = new ManualClock();
const CM = '/api/v1/namespaces/default/configmaps';
const WRITES = 160;

describe('soak: repeated 1 MiB writes', () => {
  beforeAll(async () => {
    server = await ApiServer.start({ crdDir: false, timers });
  });
  afterAll(async () => {
    await server.close();
  });

  it('keeps heap growth within the history bound, and a refused 7 MiB body costs nothing', async () => {
    const before = heapMiB();
    const huge = await fetch(server.url + CM, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'huge' }, data: { x: 'h'.repeat(7 * 2 ** 20) } }),
    });
    expect(huge.status).toBe(413);
    const after7MiB = heapMiB();

    const started = performance.now();
    for (let i = 0; i < WRITES; i++) {
      // A different 1 MiB value each time, so no version shares its string with another.
      const value = String(i).padStart(8, '0') + 'v'.repeat(2 ** 20 - 8);
      const res = await fetch(`${server.url}${CM}${i === 0 ? '' : '/big'}`, {
        method: i === 0 ? 'POST' : 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ metadata: { name: 'big' }, data: { x: value } }),
      });
      expect(res.status).toBe(i === 0 ? 201 : 200);
      await res.arrayBuffer();
    }
    const elapsed = performance.now() - started;
    const afterWrites = heapMiB();
    const history = server.store.historyByteCount() / 2 ** 20;
    await fetch(`${server.url}${CM}/big`, { method: 'DELETE' });
    const afterDelete = heapMiB();
    // Two compactions later the history no longer holds the deleted object's versions.
    timers.advance(5 * 60_000);
    timers.advance(5 * 60_000);
    const afterCompaction = heapMiB();
    console.log(
      `soak: heap ${before.toFixed(1)} MiB before, ${after7MiB.toFixed(1)} after the refused 7 MiB body, ` +
        `${afterWrites.toFixed(1)} after ${WRITES} x 1 MiB updates (history ${history.toFixed(1)} MiB, ` +
        `${(elapsed / 1000).toFixed(1)} s), ${afterDelete.toFixed(1)} after delete, ${afterCompaction.toFixed(1)} after compaction`,
    );
    expect(after7MiB - before).toBeLessThan(16);
    expect(history).toBeLessThanOrEqual(DEFAULT_HISTORY_BYTES / 2 ** 20);
    // History bound (64 MiB of JSON; a string costs its length in the heap) plus the live
    // object and slack for the serialisation cache: without the bound this was 160+ MiB.
    expect(afterWrites - before).toBeLessThan(DEFAULT_HISTORY_BYTES / 2 ** 20 + 48);
    expect(elapsed).toBeLessThan(60_000);
    expect(server.store.historyByteCount()).toBeLessThan(1024 * 1024);
    expect(afterCompaction - before).toBeLessThan(16);
  }, 60_000);
});
