import type { KubeObject } from '../resource-type.js';
import { isRecord } from '../resource-type.js';
import { ageOf } from './human-duration.js';
import type { Cell, ColumnDefinition, TableRenderer } from './table.js';

/**
 * Tables of the builtin kinds, with the columns kube-apiserver's printers use
 * (pkg/printers/internalversion): same names, order and wide (priority 1) columns.
 */

function col(name: string, type = 'string', priority = 0, format = ''): ColumnDefinition {
  return { name, type, format, description: '', priority };
}
const NAME = col('Name', 'string', 0, 'name');
const AGE = col('Age', 'string');

function rec(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}
function name(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}
function age(obj: KubeObject, now: number): string {
  return ageOf(obj.metadata?.creationTimestamp, now);
}
function selectorText(selector: unknown): string {
  const entries = Object.entries(rec(selector));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${String(v)}`).join(',');
}

function serviceExternalIp(spec: Record<string, unknown>, status: Record<string, unknown>): string {
  const type = str(spec['type'], 'ClusterIP');
  const external = arr(spec['externalIPs']).map(String);
  if (type === 'LoadBalancer') {
    const ingress = arr(rec(status['loadBalancer'])['ingress']).map((i) => {
      const e = rec(i);
      return str(e['ip']) || str(e['hostname']);
    });
    const all = [...ingress.filter((x) => x), ...external];
    return all.length > 0 ? all.join(',') : '<pending>';
  }
  if (type === 'ExternalName') return str(spec['externalName']);
  return external.length > 0 ? external.join(',') : '<none>';
}

function servicePorts(spec: Record<string, unknown>): string {
  const ports = arr(spec['ports']).map((p) => {
    const port = rec(p);
    const protocol = str(port['protocol'], 'TCP');
    const nodePort = port['nodePort'];
    return nodePort
      ? `${String(port['port'])}:${String(nodePort)}/${protocol}`
      : `${String(port['port'])}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

function podReady(status: Record<string, unknown>, spec: Record<string, unknown>): string {
  const containers = arr(spec['containers']).length;
  const ready = arr(status['containerStatuses']).filter((c) => rec(c)['ready'] === true).length;
  return `${ready}/${containers}`;
}

function podRestarts(status: Record<string, unknown>): number {
  return arr(status['containerStatuses']).reduce<number>(
    (sum, c) => sum + (Number(rec(c)['restartCount']) || 0),
    0,
  );
}

function nodeReady(status: Record<string, unknown>): string {
  const ready = arr(status['conditions'])
    .map(rec)
    .find((c) => c['type'] === 'Ready');
  return ready?.['status'] === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
}

function nodeRoles(obj: KubeObject): string {
  const roles = Object.keys(obj.metadata?.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r);
  return roles.length > 0 ? roles.sort().join(',') : '<none>';
}

function nodeAddress(status: Record<string, unknown>, type: string): string {
  const found = arr(status['addresses'])
    .map(rec)
    .find((a) => a['type'] === type);
  return found ? str(found['address']) : '<none>';
}

function containerField(obj: KubeObject, field: 'name' | 'image'): string {
  const template = rec(rec(rec(obj['spec'])['template'])['spec']);
  return arr(template['containers'])
    .map((c) => str(rec(c)[field]))
    .join(',');
}

function endpointsText(obj: KubeObject): string {
  const parts: string[] = [];
  for (const subset of arr(obj['subsets']).map(rec)) {
    const ports = arr(subset['ports']).map((p) => rec(p)['port']);
    for (const a of arr(subset['addresses']).map(rec)) {
      if (ports.length === 0) parts.push(str(a['ip']));
      for (const port of ports) parts.push(`${str(a['ip'])}:${String(port)}`);
    }
  }
  if (parts.length === 0) return '<none>';
  return parts.length > 3
    ? `${parts.slice(0, 3).join(',')} + ${parts.length - 3} more...`
    : parts.join(',');
}

function renderer(
  columns: ColumnDefinition[],
  cells: (obj: KubeObject, now: number) => Cell[],
): TableRenderer {
  return { columns, cells };
}

export const BUILTIN_TABLES: Record<string, TableRenderer> = {
  Namespace: renderer([NAME, col('Status'), AGE], (o, now) => [
    name(o),
    str(rec(o['status'])['phase'], 'Active'),
    age(o, now),
  ]),
  Service: renderer(
    [
      NAME,
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      AGE,
      col('Selector', 'string', 1),
    ],
    (o, now) => {
      const spec = rec(o['spec']);
      return [
        name(o),
        str(spec['type'], 'ClusterIP'),
        str(spec['clusterIP']) || '<none>',
        serviceExternalIp(spec, rec(o['status'])),
        servicePorts(spec),
        age(o, now),
        selectorText(spec['selector']),
      ];
    },
  ),
  Endpoints: renderer([NAME, col('Endpoints'), AGE], (o, now) => [
    name(o),
    endpointsText(o),
    age(o, now),
  ]),
  EndpointSlice: renderer(
    [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    (o, now) => {
      const ports = arr(o['ports']).map((p) => String(rec(p)['port']));
      const addresses = arr(o['endpoints']).flatMap((e) => arr(rec(e)['addresses']).map(String));
      return [
        name(o),
        str(o['addressType']),
        ports.length > 0 ? ports.join(',') : '<unset>',
        addresses.length > 0
          ? addresses.length > 3
            ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...`
            : addresses.join(',')
          : '<unset>',
        age(o, now),
      ];
    },
  ),
  Node: renderer(
    [
      NAME,
      col('Status'),
      col('Roles'),
      AGE,
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    (o, now) => {
      const status = rec(o['status']);
      const info = rec(status['nodeInfo']);
      return [
        name(o),
        rec(o['spec'])['unschedulable'] === true
          ? `${nodeReady(status)},SchedulingDisabled`
          : nodeReady(status),
        nodeRoles(o),
        age(o, now),
        str(info['kubeletVersion']),
        nodeAddress(status, 'InternalIP'),
        nodeAddress(status, 'ExternalIP'),
        str(info['osImage'], '<unknown>'),
        str(info['kernelVersion'], '<unknown>'),
        str(info['containerRuntimeVersion'], '<unknown>'),
      ];
    },
  ),
  Pod: renderer(
    [
      NAME,
      col('Ready'),
      col('Status'),
      col('Restarts', 'string'),
      AGE,
      col('IP', 'string', 1),
      col('Node', 'string', 1),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    (o, now) => {
      const status = rec(o['status']);
      const spec = rec(o['spec']);
      return [
        name(o),
        podReady(status, spec),
        str(status['phase'], 'Pending'),
        String(podRestarts(status)),
        age(o, now),
        str(status['podIP']) || '<none>',
        str(spec['nodeName']) || '<none>',
        str(status['nominatedNodeName']) || '<none>',
        '<none>',
      ];
    },
  ),
  Secret: renderer([NAME, col('Type'), col('Data', 'string'), AGE], (o, now) => [
    name(o),
    str(o['type'], 'Opaque'),
    String(Object.keys(rec(o['data'])).length),
    age(o, now),
  ]),
  ConfigMap: renderer([NAME, col('Data', 'string'), AGE], (o, now) => [
    name(o),
    String(Object.keys(rec(o['data'])).length + Object.keys(rec(o['binaryData'])).length),
    age(o, now),
  ]),
  Event: renderer(
    [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Subobject', 'string', 1),
      col('Source', 'string', 1),
      col('Message'),
      col('First Seen', 'string', 1),
      col('Count', 'string', 1),
      col('Name', 'string', 1),
    ],
    (o, now) => {
      const involved = rec(o['involvedObject']);
      const source = rec(o['source']);
      const last = o['lastTimestamp'] ?? o['eventTime'] ?? o.metadata?.creationTimestamp;
      const first = o['firstTimestamp'] ?? o['eventTime'] ?? o.metadata?.creationTimestamp;
      return [
        ageOf(last, now),
        str(o['type']),
        str(o['reason']),
        `${str(involved['kind']).toLowerCase()}/${str(involved['name'])}`,
        str(involved['fieldPath']),
        [str(source['component']), str(source['host'])].filter((x) => x).join(', '),
        str(o['message']),
        ageOf(first, now),
        String(o['count'] ?? 1),
        name(o),
      ];
    },
  ),
  Deployment: renderer(
    [
      NAME,
      col('Ready'),
      col('Up-to-date', 'string'),
      col('Available', 'string'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    (o, now) => {
      const spec = rec(o['spec']);
      const status = rec(o['status']);
      const desired = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
      const selector = rec(rec(spec['selector'])['matchLabels']);
      return [
        name(o),
        `${Number(status['readyReplicas'] ?? 0)}/${desired}`,
        String(Number(status['updatedReplicas'] ?? 0)),
        String(Number(status['availableReplicas'] ?? 0)),
        age(o, now),
        containerField(o, 'name'),
        containerField(o, 'image'),
        selectorText(selector),
      ];
    },
  ),
  CustomResourceDefinition: renderer([NAME, col('Created At', 'date')], (o) => [
    name(o),
    o.metadata?.creationTimestamp ?? '',
  ]),
};
