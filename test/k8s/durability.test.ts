import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * With a data dir every write is on disk before it is acknowledged: a server killed with
 * SIGKILL in the middle of a burst comes back with every acknowledged write, and its
 * resourceVersion keeps increasing.
 */

const repoRoot = path.resolve(import.meta.dirname, '../..');
const POOLS = '/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools';

interface Running {
  child: ChildProcess;
  url: string;
}

async function startServer(dataDir: string): Promise<Running> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/k8s/main.ts',
      '--data-dir',
      dataDir,
      '--namespace',
      'metallb-system',
      '--kubeconfig',
      path.join(dataDir, '..', 'kubeconfig'),
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start')), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('durable store', () => {
  const started: ChildProcess[] = [];
  let tmp = '';
  afterEach(async () => {
    for (const c of started) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await exited(c);
      }
    }
    started.length = 0;
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps every acknowledged write across kill -9 and keeps resourceVersion increasing', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'speakersim-durable-'));
    const dataDir = path.join(tmp, 'data');
    const first = await startServer(dataDir);
    started.push(first.child);

    const acked = new Map<string, number>();
    let stop = false;
    let written = 0;
    const worker = async (id: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `w${id}-${i}`;
        // One /32 each: MetalLB's webhook refuses overlapping pools.
        const n = written++;
        try {
          const res = await fetch(first.url + POOLS, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({
              apiVersion: 'metallb.io/v1beta1',
              kind: 'IPAddressPool',
              metadata: { name },
              spec: { addresses: [`198.19.${Math.floor(n / 256)}.${n % 256}/32`] },
            }),
          });
          if (res.status !== 201) return;
          const body = (await res.json()) as { metadata: { resourceVersion: string } };
          acked.set(name, Number(body.metadata.resourceVersion));
          if (acked.size >= 120 && !stop) {
            stop = true;
            first.child.kill('SIGKILL'); // mid-burst: the other workers have requests in flight
          }
        } catch {
          return; // the connection died with the server: this write was never acknowledged
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(120);

    const second = await startServer(dataDir);
    started.push(second.child);
    const list = (await (await fetch(second.url + POOLS)).json()) as {
      metadata: { resourceVersion: string };
      items: Array<{ metadata: { name: string; resourceVersion: string } }>;
    };
    const stored = new Map(
      list.items.map((i) => [i.metadata.name, Number(i.metadata.resourceVersion)]),
    );
    for (const [name, rv] of acked) expect(stored.get(name)).toBe(rv);
    const maxAcked = Math.max(...acked.values());
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(maxAcked);

    const next = await fetch(second.url + POOLS, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'after' },
        spec: { addresses: ['198.18.1.0/24'] },
      }),
    });
    const created = (await next.json()) as { metadata: { resourceVersion: string } };
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(
      Number(list.metadata.resourceVersion),
    );
    second.child.kill('SIGTERM');
    await exited(second.child);
  });

  it('comes back from a snapshot plus log after compaction', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'speakersim-durable-'));
    const { ObjectStore } = await import('../../src/k8s/store/object-store.js');
    const dataDir = path.join(tmp, 'data');
    const store = new ObjectStore({ dataDir, compactEvery: 10 });
    for (let i = 0; i < 25; i++) {
      store.put(
        'metallb.io/ipaddresspools',
        { metadata: { name: `p${i}`, namespace: 'ns' } },
        'ADDED',
      );
    }
    store.remove('metallb.io/ipaddresspools', 'ns', 'p3');
    store.close();
    expect(fs.existsSync(path.join(dataDir, 'snapshot.json'))).toBe(true);
    const reopened = new ObjectStore({ dataDir });
    expect(reopened.currentRv()).toBe(26);
    expect(reopened.list('metallb.io/ipaddresspools').length).toBe(24);
    expect(reopened.get('metallb.io/ipaddresspools', 'ns', 'p3')).toBeUndefined();
    // A torn last line (a write that never returned) is ignored.
    fs.appendFileSync(path.join(dataDir, 'wal.jsonl'), '{"t":"put","k":"metallb.io/ipaddr');
    reopened.close();
    const again = new ObjectStore({ dataDir });
    expect(again.currentRv()).toBe(26);
    again.put(
      'metallb.io/ipaddresspools',
      { metadata: { name: 'late', namespace: 'ns' } },
      'ADDED',
    );
    again.close();
    const last = new ObjectStore({ dataDir });
    expect(last.currentRv()).toBe(27);
    expect(last.get('metallb.io/ipaddresspools', 'ns', 'late')?.metadata?.resourceVersion).toBe(
      '27',
    );
    last.close();
  });
});
