import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

/**
 * The CRD manifests in crds/: every kind of the MetalLB/frr-k8s fact sheet (section 2), with
 * its printer columns, and schemas that are structural (what a real cluster requires to
 * accept them with `kubectl apply`).
 */

const CRD_DIR = path.resolve(import.meta.dirname, '../../crds');

type Crd = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: {
      kind: string;
      plural: string;
      singular: string;
      listKind: string;
      shortNames?: string[];
    };
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns?: Array<{
        name: string;
        jsonPath: string;
        type: string;
        priority?: number;
      }>;
      schema: { openAPIV3Schema: Record<string, unknown> };
    }>;
  };
};

const crds: Crd[] = fs
  .readdirSync(CRD_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parseYaml(fs.readFileSync(path.join(CRD_DIR, f), 'utf8')) as Crd);

// Fact sheet section 2: kind -> [group, scope, columns as "Name=path(type)[pN]"].
const EXPECTED: Record<string, [string, string, string[]]> = {
  // frr-k8s's own CRD, as upstream ships it (no printer columns).
  FRRConfiguration: ['frrk8s.metallb.io', 'Namespaced', []],
  BGPSessionState: [
    'frrk8s.metallb.io',
    'Namespaced',
    [
      'Node=.status.node(string)',
      'Peer=.status.peer(string)',
      'VRF=.status.vrf(string)',
      'BGP=.status.bgpStatus(string)',
      'BFD=.status.bfdStatus(string)',
    ],
  ],
  FRRNodeState: ['frrk8s.metallb.io', 'Cluster', []],
  ServiceBGPStatus: [
    'metallb.io',
    'Namespaced',
    [
      'Node=.status.node(string)',
      'Service Name=.status.serviceName(string)',
      'Service Namespace=.status.serviceNamespace(string)',
    ],
  ],
  ServiceL2Status: [
    'metallb.io',
    'Namespaced',
    [
      'Allocated Node=.status.node(string)',
      'Service Name=.status.serviceName(string)',
      'Service Namespace=.status.serviceNamespace(string)',
    ],
  ],
  ConfigurationState: [
    'metallb.io',
    'Namespaced',
    [
      'Result=.status.result(string)',
      'ErrorSummary=.status.errorSummary(string)',
      'Age=.metadata.creationTimestamp(date)',
    ],
  ],
  IPAddressPool: [
    'metallb.io',
    'Namespaced',
    [
      'Auto Assign=.spec.autoAssign(boolean)',
      'Avoid Buggy IPs=.spec.avoidBuggyIPs(boolean)',
      'Addresses=.spec.addresses(string)',
    ],
  ],
  BGPPeer: [
    'metallb.io',
    'Namespaced',
    [
      'Address=.spec.peerAddress(string)',
      'ASN=.spec.peerASN(string)',
      'BFD Profile=.spec.bfdProfile(string)',
      'Multi Hops=.spec.ebgpMultiHop(string)',
    ],
  ],
  BFDProfile: [
    'metallb.io',
    'Namespaced',
    [
      'Passive Mode=.spec.passiveMode(boolean)',
      'Transmit Interval=.spec.transmitInterval(integer)',
      'Receive Interval=.spec.receiveInterval(integer)',
      'Multiplier=.spec.detectMultiplier(integer)',
    ],
  ],
  BGPAdvertisement: [
    'metallb.io',
    'Namespaced',
    [
      'IPAddressPools=.spec.ipAddressPools(string)',
      'IPAddressPool Selectors=.spec.ipAddressPoolSelectors(string)',
      'Peers=.spec.peers(string)',
      'Node Selectors=.spec.nodeSelectors(string)p10',
    ],
  ],
  L2Advertisement: [
    'metallb.io',
    'Namespaced',
    [
      'IPAddressPools=.spec.ipAddressPools(string)',
      'IPAddressPool Selectors=.spec.ipAddressPoolSelectors(string)',
      'Interfaces=.spec.interfaces(string)',
      'Node Selectors=.spec.nodeSelectors(string)p10',
    ],
  ],
  Community: ['metallb.io', 'Namespaced', []],
};

/** Paths of schema nodes without a type (structural schemas need one almost everywhere). */
function untyped(schema: unknown, at: string, out: string[]): string[] {
  if (!schema || typeof schema !== 'object') return out;
  const s = schema as Record<string, unknown>;
  if (
    s['type'] === undefined &&
    s['x-kubernetes-int-or-string'] !== true &&
    s['x-kubernetes-preserve-unknown-fields'] !== true
  )
    out.push(at);
  if ('$ref' in s) out.push(`${at} ($ref is not allowed)`);
  for (const [k, v] of Object.entries((s['properties'] as Record<string, unknown>) ?? {}))
    untyped(v, `${at}.${k}`, out);
  if (s['items']) untyped(s['items'], `${at}[]`, out);
  if (s['additionalProperties'] && typeof s['additionalProperties'] === 'object')
    untyped(s['additionalProperties'], `${at}{}`, out);
  return out;
}

describe('CRD manifests', () => {
  it('cover every kind of the fact sheet, and nothing else', () => {
    expect(crds.map((c) => c.spec.names.kind).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(crds.map((c) => [c.spec.names.kind, c] as const))(
    '%s: names, scope, columns, one storage version, structural schema',
    (kind, crd) => {
      const [group, scope, columns] = EXPECTED[kind] ?? ['', '', []];
      expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(crd.kind).toBe('CustomResourceDefinition');
      expect(crd.spec.group).toBe(group);
      expect(crd.spec.scope).toBe(scope);
      expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.${group}`);
      expect(crd.spec.names.singular).toBe(kind.toLowerCase());
      expect(crd.spec.names.listKind).toBe(`${kind}List`);
      expect(crd.spec.names.shortNames).toBeUndefined();
      expect(crd.spec.versions.filter((v) => v.storage).length).toBe(1);
      for (const v of crd.spec.versions) {
        const cols = (v.additionalPrinterColumns ?? []).map(
          (c) => `${c.name}=${c.jsonPath}(${c.type})${c.priority ? `p${c.priority}` : ''}`,
        );
        expect(cols).toEqual(columns);
        expect(untyped(v.schema.openAPIV3Schema, kind, [])).toEqual([]);
      }
    },
  );

  it('BGPPeer serves v1beta2 (storage) and v1beta1; only IPAddressPool and status kinds declare status subresources', () => {
    const peer = crds.find((c) => c.spec.names.kind === 'BGPPeer');
    expect(peer?.spec.versions.map((v) => `${v.name}:${v.storage}`).sort()).toEqual([
      'v1beta1:false',
      'v1beta2:true',
    ]);
    const withStatus = crds
      .filter((c) => c.spec.versions.some((v) => v.subresources?.status))
      .map((c) => c.spec.names.kind)
      .sort();
    expect(withStatus).toEqual([
      'BGPSessionState',
      'ConfigurationState',
      'FRRConfiguration',
      'FRRNodeState',
      'IPAddressPool',
      'ServiceBGPStatus',
      'ServiceL2Status',
    ]);
  });
});
