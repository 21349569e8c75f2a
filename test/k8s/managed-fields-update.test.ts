import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ApiServer } from '../../src/k8s/api-server.js';
import type { KubeObject } from '../../src/k8s/resource-type.js';

/**
 * managedFields after Update operations (create, merge patches, status writes): a manager owns
 * what it changed, other managers lose those leaves, removed leaves leave everyone, and an
 * entry whose fields did not change keeps them (only its time moves).
 */

const NS = 'frr-k8s-system';
let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function entries(obj: KubeObject): Record<string, { time: string; fields: unknown }> {
  const out: Record<string, { time: string; fields: unknown }> = {};
  for (const e of obj.metadata?.managedFields ?? []) {
    out[`${e.manager}/${e.subresource ?? ''}`] = { time: e.time ?? '', fields: e.fieldsV1 };
  }
  return out;
}

describe('managedFields of Update operations', () => {
  it('moves status leaves between managers and keeps unchanged entries', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    server = await ApiServer.start({ namespaces: [NS], clock, timers: clock });
    const type = server.registry.find('frrk8s.metallb.io', 'v1beta1', 'bgpsessionstates')!;
    const svc = server.service;
    svc.create(
      type,
      NS,
      { metadata: { name: 's1', labels: { a: '1' } }, spec: {} },
      { fieldManager: 'creator' },
    );
    clock.advance(1000);
    svc.patch(type, NS, 's1', 'merge', { status: { bgpStatus: 'Active', peer: 'p' } }, 'status', {
      fieldManager: 'speaker',
    });
    clock.advance(1000);
    let obj = svc.patch(type, NS, 's1', 'merge', { status: { bgpStatus: 'Idle' } }, 'status', {
      fieldManager: 'other',
    }).object;
    expect(entries(obj)).toEqual({
      'creator/': {
        time: '2026-01-01T00:00:00Z',
        fields: { 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:spec': {} },
      },
      'speaker/status': {
        time: '2026-01-01T00:00:01Z',
        fields: { 'f:status': { 'f:peer': {} } },
      },
      'other/status': {
        time: '2026-01-01T00:00:02Z',
        fields: { 'f:status': { 'f:bgpStatus': {} } },
      },
    });
    clock.advance(1000);
    // Same leaf again: its owner's fields stay, its time moves.
    obj = svc.patch(type, NS, 's1', 'merge', { status: { bgpStatus: 'Connect' } }, 'status', {
      fieldManager: 'other',
    }).object;
    expect(entries(obj)['other/status']).toEqual({
      time: '2026-01-01T00:00:03Z',
      fields: { 'f:status': { 'f:bgpStatus': {} } },
    });
    expect(entries(obj)['speaker/status']?.time).toBe('2026-01-01T00:00:01Z');
    // A removed leaf leaves its owner; an owner left with nothing is dropped.
    obj = svc.patch(type, NS, 's1', 'merge', { status: { peer: null } }, 'status', {
      fieldManager: 'other',
    }).object;
    expect(Object.keys(entries(obj)).sort()).toEqual(['creator/', 'other/status']);
  });
});
