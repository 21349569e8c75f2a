import type { Random } from '../../core/random.js';
import { randomInt } from '../../core/random.js';
import { invalid, type StatusCause } from '../errors.js';
import type { KubeObject } from '../resource-type.js';
import { isRecord } from '../resource-type.js';

/**
 * What the real server's registry strategies do to builtin kinds on create and update:
 * Services get a clusterIP from the service CIDR (172.30.0.0/16 as on OKD) and nodePorts from
 * 30000-32767, Namespaces their phase and name label, Secrets fold stringData into data,
 * Deployments their defaults. Allocations are tracked so that none is handed out twice.
 */
export class BuiltinAdmission {
  private readonly clusterIps = new Set<string>();
  private readonly nodePorts = new Set<number>();

  constructor(
    private readonly random: Random,
    private readonly now: () => string,
  ) {}

  /** Re-learns allocations from stored Services (after a restart). */
  learn(services: KubeObject[]): void {
    for (const svc of services) this.reserve(svc);
  }

  release(obj: KubeObject): void {
    if (obj.kind !== 'Service') return;
    const spec = rec(obj['spec']);
    for (const ip of [spec['clusterIP'], ...arr(spec['clusterIPs'])]) {
      if (typeof ip === 'string') this.clusterIps.delete(ip);
    }
    for (const p of arr(spec['ports'])) {
      const np = rec(p)['nodePort'];
      if (typeof np === 'number') this.nodePorts.delete(np);
    }
  }

  onCreate(kind: string, obj: KubeObject): void {
    switch (kind) {
      case 'Service':
        this.prepareService(obj, undefined);
        break;
      case 'Namespace':
        obj['spec'] = { finalizers: ['kubernetes'], ...rec(obj['spec']) };
        obj['status'] = { phase: 'Active' };
        obj.metadata = {
          ...(obj.metadata ?? {}),
          labels: {
            ...(obj.metadata?.labels ?? {}),
            'kubernetes.io/metadata.name': obj.metadata?.name ?? '',
          },
        };
        break;
      case 'Secret':
        foldStringData(obj);
        break;
      case 'Deployment':
        defaultDeployment(obj);
        break;
      case 'CustomResourceDefinition':
        crdStatus(obj, this.now());
        break;
      default:
        break;
    }
  }

  onUpdate(kind: string, obj: KubeObject, prev: KubeObject): void {
    if (kind === 'Service') this.prepareService(obj, prev);
    if (kind === 'Secret') foldStringData(obj);
    if (kind === 'Deployment') defaultDeployment(obj);
    if (kind === 'Namespace') obj['status'] = prev['status'];
    if (kind === 'CustomResourceDefinition') crdStatus(obj, this.now());
  }

  private reserve(svc: KubeObject): void {
    const spec = rec(svc['spec']);
    for (const ip of [spec['clusterIP'], ...arr(spec['clusterIPs'])]) {
      if (typeof ip === 'string') this.clusterIps.add(ip);
    }
    for (const p of arr(spec['ports'])) {
      const np = rec(p)['nodePort'];
      if (typeof np === 'number') this.nodePorts.add(np);
    }
  }

  private prepareService(obj: KubeObject, prev: KubeObject | undefined): void {
    const spec = rec(obj['spec']);
    obj['spec'] = spec;
    const prevSpec = prev ? rec(prev['spec']) : {};
    const name = obj.metadata?.name ?? '';
    const causes: StatusCause[] = [];
    const type = typeof spec['type'] === 'string' ? spec['type'] : 'ClusterIP';
    if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)) {
      causes.push({
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: "${type}": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
        field: 'spec.type',
      });
    }
    spec['type'] = type;
    const ports = arr(spec['ports']).map(rec);
    if (type !== 'ExternalName' && ports.length === 0 && spec['clusterIP'] !== 'None') {
      causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.ports' });
    }
    ports.forEach((p, i) => {
      if (typeof p['port'] !== 'number' || p['port'] < 1 || p['port'] > 65535) {
        causes.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(p['port'] ?? 0)}: must be between 1 and 65535, inclusive`,
          field: `spec.ports[${i}].port`,
        });
      }
    });
    if (causes.length > 0) throw invalid('Service', '', name, causes);

    if (type !== 'ExternalName') {
      // The clusterIPs are immutable once allocated; one per family the Service asks for
      // (spec.ipFamilies, else dual stack for Prefer/RequireDualStack, else IPv4), as on a
      // dual-stack cluster (service networks 172.30.0.0/16 and fd02::/112, as on OKD).
      const keptAll = arr(prevSpec['clusterIPs']).filter((x): x is string => typeof x === 'string');
      const kept = typeof prevSpec['clusterIP'] === 'string' ? prevSpec['clusterIP'] : undefined;
      if (kept) {
        spec['clusterIP'] = kept;
        spec['clusterIPs'] = keptAll.length ? keptAll : [kept];
      } else if (typeof spec['clusterIP'] !== 'string' || spec['clusterIP'] === '') {
        const policy =
          typeof spec['ipFamilyPolicy'] === 'string' ? spec['ipFamilyPolicy'] : 'SingleStack';
        const asked = arr(spec['ipFamilies']).filter(
          (f): f is string => f === 'IPv4' || f === 'IPv6',
        );
        const families = asked.length
          ? asked
          : policy === 'SingleStack'
            ? ['IPv4']
            : ['IPv4', 'IPv6'];
        if (asked.length === 0) spec['ipFamilies'] = families;
        const ips = families.map((f) =>
          f === 'IPv6' ? this.allocateClusterIp6() : this.allocateClusterIp(),
        );
        spec['clusterIP'] = ips[0];
        spec['clusterIPs'] = ips;
      } else {
        if (spec['clusterIP'] !== 'None') this.clusterIps.add(spec['clusterIP']);
        spec['clusterIPs'] = [spec['clusterIP']];
      }
      if (spec['clusterIP'] !== 'None') {
        spec['ipFamilies'] ??= [String(spec['clusterIP']).includes(':') ? 'IPv6' : 'IPv4'];
        spec['ipFamilyPolicy'] ??= 'SingleStack';
      }
      spec['internalTrafficPolicy'] ??= 'Cluster';
    }
    spec['sessionAffinity'] ??= 'None';
    const prevPorts = arr(prevSpec['ports']).map(rec);
    for (const p of ports) {
      p['protocol'] ??= 'TCP';
      p['targetPort'] ??= p['port'];
      if (type === 'NodePort' || type === 'LoadBalancer') {
        const old = prevPorts.find(
          (q) => q['port'] === p['port'] && q['protocol'] === p['protocol'],
        );
        if (typeof p['nodePort'] !== 'number') {
          p['nodePort'] =
            typeof old?.['nodePort'] === 'number' ? old['nodePort'] : this.allocateNodePort();
        } else this.nodePorts.add(p['nodePort']);
      }
    }
    if (type === 'NodePort' || type === 'LoadBalancer') spec['externalTrafficPolicy'] ??= 'Cluster';
    if (type === 'LoadBalancer') spec['allocateLoadBalancerNodePorts'] ??= true;
    if (!isRecord(obj['status'])) obj['status'] = { loadBalancer: {} };
  }

  private allocateClusterIp6(): string {
    // fd02::/112 minus the network address and ::1.
    for (let attempt = 0; attempt < 65536; attempt++) {
      const n = randomInt(this.random, 2, 65534);
      const ip = `fd02::${n.toString(16)}`;
      if (!this.clusterIps.has(ip)) {
        this.clusterIps.add(ip);
        return ip;
      }
    }
    throw invalid('Service', '', '', [
      { reason: 'FieldValueInvalid', message: 'range is full', field: 'spec.clusterIPs' },
    ]);
  }

  private allocateClusterIp(): string {
    // 172.30.0.0/16 minus the network address and .0.1 (the kubernetes service).
    for (let attempt = 0; attempt < 65536; attempt++) {
      const n = randomInt(this.random, 2, 65534);
      const ip = `172.30.${n >> 8}.${n & 255}`;
      if (!this.clusterIps.has(ip)) {
        this.clusterIps.add(ip);
        return ip;
      }
    }
    throw invalid('Service', '', '', [
      { reason: 'FieldValueInvalid', message: 'range is full', field: 'spec.clusterIPs' },
    ]);
  }

  private allocateNodePort(): number {
    for (let attempt = 0; attempt < 2768 * 4; attempt++) {
      const port = randomInt(this.random, 30000, 32767);
      if (!this.nodePorts.has(port)) {
        this.nodePorts.add(port);
        return port;
      }
    }
    throw invalid('Service', '', '', [
      { reason: 'FieldValueInvalid', message: 'range is full', field: 'spec.ports.nodePort' },
    ]);
  }
}

function rec(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function foldStringData(obj: KubeObject): void {
  if (!obj['type']) obj['type'] = 'Opaque';
  const stringData = rec(obj['stringData']);
  if (Object.keys(stringData).length === 0) {
    delete obj['stringData'];
    return;
  }
  const data = { ...rec(obj['data']) };
  for (const [k, v] of Object.entries(stringData))
    data[k] = Buffer.from(String(v)).toString('base64');
  obj['data'] = data;
  delete obj['stringData'];
}

function defaultDeployment(obj: KubeObject): void {
  const spec = rec(obj['spec']);
  obj['spec'] = spec;
  spec['replicas'] ??= 1;
  spec['revisionHistoryLimit'] ??= 10;
  spec['progressDeadlineSeconds'] ??= 600;
  spec['strategy'] ??= {
    type: 'RollingUpdate',
    rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
  };
}

/**
 * A CRD's status as apiextensions-apiserver reports it once the names are accepted and the
 * kind is served (speakersim serves it at once): scripts wait for condition=Established.
 */
function crdStatus(obj: KubeObject, now: string): void {
  const spec = rec(obj['spec']);
  const versions = arr(spec['versions']).map(rec);
  const storage = versions.find((v) => v['storage'] === true)?.['name'];
  const time = obj.metadata?.creationTimestamp ?? now;
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    lastTransitionTime: time,
    reason,
    message,
  });
  obj['status'] = {
    acceptedNames: rec(spec['names']),
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    storedVersions: typeof storage === 'string' ? [storage] : [],
  };
}
