import { describe, expect, it } from 'vitest';
import { BUILTIN_TYPES } from '../../src/k8s/builtin-types.js';
import type { KubeObject, ResourceType } from '../../src/k8s/resource-type.js';
import { renderTable } from '../../src/k8s/table/table.js';

/** Server-side Tables: column sets of the builtin printers, CRD columns, NAME + AGE fallback. */

const NOW = Date.parse('2026-01-01T01:00:00Z');
const created = '2026-01-01T00:00:00Z';

function builtin(kind: string): ResourceType {
  const t = BUILTIN_TYPES.find((b) => b.kind === kind);
  if (!t) throw new Error(kind);
  return t;
}

function table(type: ResourceType, obj: KubeObject) {
  const t = renderTable(type, [obj], NOW, {}, 'Metadata') as {
    columnDefinitions: Array<{ name: string; priority: number }>;
    rows: Array<{ cells: unknown[]; object: { kind: string; metadata: { name: string } } }>;
  };
  const row = t.rows[0];
  return {
    columns: t.columnDefinitions.map((c) => (c.priority ? `${c.name}*` : c.name)),
    cells: row?.cells,
    object: row?.object,
  };
}

describe('builtin tables', () => {
  it('Node: status from the Ready condition, roles from labels, wide columns', () => {
    const t = table(builtin('Node'), {
      metadata: {
        name: 'worker0',
        creationTimestamp: created,
        labels: { 'node-role.kubernetes.io/worker': '' },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '198.18.0.10' }],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          osImage: 'Debian',
          kernelVersion: '6.1',
          containerRuntimeVersion: 'cri-o://1.32',
        },
      },
    });
    expect(t.columns).toEqual([
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP*',
      'External-IP*',
      'OS-Image*',
      'Kernel-Version*',
      'Container-Runtime*',
    ]);
    expect(t.cells).toEqual([
      'worker0',
      'Ready,SchedulingDisabled',
      'worker',
      '60m',
      'v1.32.0',
      '198.18.0.10',
      '<none>',
      'Debian',
      '6.1',
      'cri-o://1.32',
    ]);
  });

  it('Pod: ready containers, phase, restarts', () => {
    const t = table(builtin('Pod'), {
      metadata: { name: 'speaker-x', creationTimestamp: created },
      spec: { nodeName: 'worker0', containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        podIP: '198.18.0.11',
        containerStatuses: [
          { ready: true, restartCount: 2 },
          { ready: false, restartCount: 1 },
        ],
      },
    });
    expect(t.columns.slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(t.cells?.slice(0, 7)).toEqual([
      'speaker-x',
      '1/2',
      'Running',
      '3',
      '60m',
      '198.18.0.11',
      'worker0',
    ]);
  });

  it('Service: <pending> external IP for a LoadBalancer without ingress, <none> for ClusterIP', () => {
    const lb = table(builtin('Service'), {
      metadata: { name: 's', creationTimestamp: created },
      spec: {
        type: 'LoadBalancer',
        clusterIP: '172.30.0.9',
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
        selector: { app: 'x' },
      },
    });
    expect(lb.cells).toEqual([
      's',
      'LoadBalancer',
      '172.30.0.9',
      '<pending>',
      '80:30080/TCP,53/UDP',
      '60m',
      'app=x',
    ]);
    const cip = table(builtin('Service'), {
      metadata: { name: 'c', creationTimestamp: created },
      spec: { clusterIP: '172.30.0.8', ports: [{ port: 443 }] },
    });
    expect(cip.cells?.slice(1, 5)).toEqual(['ClusterIP', '172.30.0.8', '<none>', '443/TCP']);
  });

  it('Deployment, Secret and Event columns', () => {
    const d = table(builtin('Deployment'), {
      metadata: { name: 'web', creationTimestamp: created },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    expect(d.columns).toEqual([
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
      'Containers*',
      'Images*',
      'Selector*',
    ]);
    expect(d.cells).toEqual(['web', '2/3', '3', '2', '60m', 'web', 'web:1', 'app=web']);
    const s = table(builtin('Secret'), {
      metadata: { name: 'pw', creationTimestamp: created },
      type: 'kubernetes.io/basic-auth',
      data: { password: 'eA==' },
    });
    expect(s.cells).toEqual(['pw', 'kubernetes.io/basic-auth', '1', '60m']);
    const e = table(builtin('Event'), {
      metadata: { name: 'e', creationTimestamp: created },
      involvedObject: { kind: 'Service', name: 'test-service' },
      reason: 'IPAllocated',
      type: 'Normal',
      message: 'Assigned IP ["192.168.122.210"]',
      lastTimestamp: '2026-01-01T00:59:30Z',
    });
    expect(e.columns.filter((c) => !c.endsWith('*'))).toEqual([
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Message',
    ]);
    expect(e.cells?.slice(0, 4)).toEqual(['30s', 'Normal', 'IPAllocated', 'service/test-service']);
  });

  it('rows carry PartialObjectMetadata unless the whole object is asked for', () => {
    const t = table(builtin('Namespace'), {
      metadata: { name: 'ns', creationTimestamp: created },
      status: { phase: 'Active' },
    });
    expect(t.object?.kind).toBe('PartialObjectMetadata');
    expect(t.cells).toEqual(['ns', 'Active', '60m']);
  });
});

describe('custom resource tables', () => {
  const base: ResourceType = {
    ...builtin('Namespace'),
    builtin: false,
    group: 'example.com',
    kind: 'Thing',
    plural: 'things',
  };
  it('NAME + AGE when the CRD has no columns', () => {
    const t = table(
      { ...base, printerColumns: [] },
      { metadata: { name: 'x', creationTimestamp: created } },
    );
    expect(t.columns).toEqual(['Name', 'Age']);
    expect(t.cells).toEqual(['x', '60m']);
  });
  it('typed cells: blank (null) when missing, JSON for arrays, numbers and booleans as such, dates as ages', () => {
    const t = table(
      {
        ...base,
        printerColumns: [
          { name: 'List', type: 'string', jsonPath: '.spec.list' },
          { name: 'Missing', type: 'string', jsonPath: '.spec.missing' },
          { name: 'Count', type: 'integer', jsonPath: '.spec.count' },
          { name: 'On', type: 'boolean', jsonPath: '.spec.on' },
          { name: 'Since', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          { name: 'Wide', type: 'string', jsonPath: '.spec.on', priority: 10 },
        ],
      },
      {
        metadata: { name: 'x', creationTimestamp: created },
        spec: { list: ['a', 'b'], count: 3, on: false },
      },
    );
    expect(t.columns).toEqual(['Name', 'List', 'Missing', 'Count', 'On', 'Since', 'Wide*']);
    expect(t.cells).toEqual(['x', '["a","b"]', null, 3, false, '60m', 'false']);
  });
});
