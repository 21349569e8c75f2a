import { afterEach, describe, expect, it } from 'vitest';
import { ApiServer } from '../../src/k8s/api-server.js';
import { KubeClient, type KubeResource } from '../../src/k8s/client.js';

/** A @kubernetes/client-node informer (through KubeClient) against the server. */

const API = 'metallb.io/v1beta1';
const KIND = 'IPAddressPool';

function pool(name: string, cidr: string): KubeResource {
  return {
    apiVersion: API,
    kind: KIND,
    metadata: { name, namespace: 'metallb-system' },
    spec: { addresses: [cidr] },
  };
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(['http', 'in-process'] as const)('client-node informer (%s)', (transport) => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sees adds, updates and deletes, and recovers from 410 Gone by re-listing', async () => {
    server = await ApiServer.start({ namespaces: ['metallb-system'], historySize: 3 });
    const client = KubeClient.embedded(server, transport);
    await client.create(pool('before', '198.18.0.0/24'));
    const informer = await client.informer(API, KIND, { namespace: 'metallb-system' });
    const log: string[] = [];
    informer.on('add', (o) => log.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) =>
      log.push(`update ${o.metadata?.name} ${JSON.stringify((o as KubeResource)['spec'])}`),
    );
    informer.on('delete', (o) => log.push(`delete ${o.metadata?.name}`));
    await informer.start();
    await until(() => server?.watchCount() === 1, 'the watch');
    expect(log).toEqual(['add before']);

    await client.create(pool('p1', '198.18.1.0/24'));
    await client.patch(pool('p1', ''), { spec: { addresses: ['198.18.2.0/24'] } });
    await client.delete(pool('before', ''));
    await until(() => log.length === 4, 'three events');
    expect(log.slice(1)).toEqual([
      'add p1',
      'update p1 {"addresses":["198.18.2.0/24"],"autoAssign":true,"avoidBuggyIPs":false}',
      'delete before',
    ]);

    // Cut the watch and keep the informer from reconnecting while more than the server's
    // history happens: its resume point is then too old (410) and it must re-list.
    const rvBeforeGap = server.store.currentRv();
    server.pauseWatches();
    server.closeWatches();
    await client.create(pool('p2', '198.18.3.0/24'));
    await client.delete(pool('p1', ''));
    for (let i = 0; i < 4; i++)
      await client.patch(pool('p2', ''), { metadata: { labels: { n: String(i) } } });
    expect(server.store.oldestRv()).toBeGreaterThan(rvBeforeGap);
    server.resumeWatches();
    await until(() => log.includes('delete p1') && log.includes('add p2'), 're-list after 410');
    expect(informer.list('metallb-system').map((o) => o.metadata?.name)).toEqual(['p2']);

    // And it keeps watching after the re-list.
    await client.patch(pool('p2', ''), { spec: { autoAssign: false } });
    await until(
      () => log.some((l) => l.startsWith('update p2') && l.includes('"autoAssign":false')),
      'update after recovery',
    );
    await informer.stop();
  });

  it('a watch from a recent resourceVersion replays what happened since, with bookmarks', async () => {
    server = await ApiServer.start({ namespaces: ['metallb-system'], bookmarkIntervalMs: 50 });
    const client = KubeClient.embedded(server, transport);
    const created = await client.create(pool('a', '198.18.0.0/24'));
    const from = String(created.metadata?.resourceVersion);
    await client.create(pool('b', '198.18.1.0/24'));
    const events: string[] = [];
    const stop = await client.watch(
      API,
      KIND,
      { namespace: 'metallb-system', resourceVersion: from, allowWatchBookmarks: true },
      (type, obj) =>
        events.push(type === 'BOOKMARK' ? 'BOOKMARK' : `${type} ${obj.metadata?.name}`),
    );
    await until(() => events.includes('BOOKMARK'), 'a bookmark');
    stop();
    expect(events[0]).toBe('ADDED b');
    expect(events).not.toContain('ADDED a');
  });
});
