import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { KubeClient } from '../../src/k8s/client.js';
import { raiseResourceVersion, seedObject } from '../../src/k8s/seed.js';
import { type Harness, kubectlAvailable, parseTable, startHarness } from './helpers.js';
import * as seed from './fixtures/seed-outputs.js';

/**
 * Every `oc` command of the seed document, run as real kubectl against speakersim's API server,
 * prints what the document shows: YAML byte for byte (modulo uid/timestamps where kubectl
 * itself created the object), tables cell by cell. Status is written through the API the way
 * the MetalLB model will write it.
 */

const MIN = 60_000;
const hasKubectl = kubectlAvailable();

/** The annotation `kubectl apply` stores: compact JSON with sorted keys and `annotations: {}`. */
function lastApplied(obj: unknown): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
          )
        : v;
  const copy = structuredClone(obj) as { metadata: Record<string, unknown> };
  copy.metadata['annotations'] = {};
  return JSON.stringify(sortKeys(copy)) + '\n';
}

function withoutServerFields(yaml: string): string {
  return yaml
    .replace(/creationTimestamp: ".*"/, 'creationTimestamp: X')
    .replace(/resourceVersion: ".*"/, 'resourceVersion: X')
    .replace(/uid: .*/, 'uid: X');
}

/** True when every field of `subset` is in `full` with the same value (lists compared whole). */
function containsSubset(full: unknown, subset: unknown): boolean {
  if (subset && typeof subset === 'object' && !Array.isArray(subset)) {
    if (!full || typeof full !== 'object') return false;
    return Object.entries(subset).every(([k, v]) =>
      containsSubset((full as Record<string, unknown>)[k], v),
    );
  }
  return JSON.stringify(full) === JSON.stringify(subset);
}

describe.skipIf(!hasKubectl)('seed document through kubectl', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('L2 example: the pool YAML before and after the service is byte for byte the seed', async () => {
    h = await startHarness(Date.parse('2025-07-17T10:20:00Z'), { namespaces: ['metallb-system'] });
    const applied = parseYaml(seed.POOL_YAML) as Record<string, unknown>;
    seedObject(
      h.server,
      {
        ...applied,
        metadata: {
          ...(applied['metadata'] as object),
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied(applied) },
        },
        status: { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 21, availableIPv6: 0 },
      },
      {
        uid: '8df1c303-03ac-4d31-8970-6dacdb173dc2',
        creationTimestamp: '2025-07-17T10:13:37Z',
        resourceVersion: 29080,
      },
    );
    const before = await h.kubectl([
      'get',
      'ipaddresspool',
      'doc-example-l2',
      '-n',
      'metallb-system',
      '-o',
      'yaml',
    ]);
    expect(before.stderr).toBe('');
    expect(before.stdout).toBe(seed.POOL_GET_YAML_BEFORE);

    // Applying the same file again changes nothing (kubectl compares the annotation).
    const again = await h.kubectl(['apply', '-f', '-'], seed.POOL_YAML);
    expect(again.stdout.trim()).toBe('ipaddresspool.metallb.io/doc-example-l2 unchanged');

    for (const doc of [seed.L2ADV_YAML, seed.NGINX_DEPLOYMENT_YAML, seed.NGINX_SERVICE_YAML]) {
      const r = await h.kubectl(['apply', '-f', '-'], doc);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/ created\n$/);
    }
    // The controller assigns 192.168.122.200 and writes the pool's status.
    const client = KubeClient.fromKubeconfigFile(h.server.kubeconfigPath);
    await client.patchStatus(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'nginx-service', namespace: 'default' },
      },
      { status: { loadBalancer: { ingress: [{ ip: '192.168.122.200', ipMode: 'VIP' }] } } },
    );
    raiseResourceVersion(h.server, 30249);
    await client.patchStatus(
      {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'doc-example-l2', namespace: 'metallb-system' },
      },
      { status: { assignedIPv4: 1, availableIPv4: 20 } },
    );
    const after = await h.kubectl([
      'get',
      'ipaddresspool',
      'doc-example-l2',
      '-n',
      'metallb-system',
      '-o',
      'yaml',
    ]);
    expect(after.stdout).toBe(seed.POOL_GET_YAML_AFTER);
  });

  it('L2 example: kubectl apply of the seed YAML stores what the seed shows', async () => {
    h = await startHarness(Date.parse('2025-07-17T10:13:37Z'), { namespaces: ['metallb-system'] });
    const r = await h.kubectl(['apply', '-f', '-'], seed.POOL_YAML);
    expect(r.stdout.trim()).toBe('ipaddresspool.metallb.io/doc-example-l2 created');
    const client = KubeClient.fromKubeconfigFile(h.server.kubeconfigPath);
    await client.patchStatus(
      {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'doc-example-l2', namespace: 'metallb-system' },
      },
      { status: { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 21, availableIPv6: 0 } },
    );
    const got = await h.kubectl([
      'get',
      'ipaddresspool',
      'doc-example-l2',
      '-n',
      'metallb-system',
      '-o',
      'yaml',
    ]);
    expect(withoutServerFields(got.stdout)).toBe(withoutServerFields(seed.POOL_GET_YAML_BEFORE));
    expect(got.stdout).toContain('creationTimestamp: "2025-07-17T10:13:37Z"');
  });

  it('BGP example and status CRs: every table and output of the seed', async () => {
    const t0 = Date.parse('2026-04-21T09:46:47Z');
    h = await startHarness(t0, { namespaces: ['metallb-system', 'openshift-frr-k8s'] });
    const client = KubeClient.fromKubeconfigFile(h.server.kubeconfigPath);

    // t0: the controller's ConfigurationState, as seeded by the document.
    seedObject(h.server, parseYaml(seed.CONTROLLER_STATE_YAML) as Record<string, unknown>, {
      uid: '23f5c492-4d5c-4893-84ea-77904c006404',
      creationTimestamp: '2026-04-21T09:46:47Z',
      resourceVersion: 28268,
    });
    // t0+47m: the speaker's, written as MetalLB writes it (create, then server-side apply of status).
    h.clock.advance(47 * MIN);
    const speaker = {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'ConfigurationState',
      metadata: {
        name: 'speaker-mysno-sno.demo.lab',
        namespace: 'metallb-system',
        labels: {
          'metallb.io/component-type': 'speaker',
          'metallb.io/node-name': 'mysno-sno.demo.lab',
        },
      },
    };
    await client.create(speaker);
    await client.applyStatus(
      {
        ...speaker,
        status: {
          conditions: [
            {
              type: 'configReconcilerValid',
              status: 'True',
              reason: 'Reconciled',
              message: '',
              lastTransitionTime: '2026-04-21T10:33:47Z',
            },
          ],
          result: 'Valid',
        },
      },
      { fieldManager: 'configReconciler' },
    );
    // t0+70m: FRRNodeState (cluster-scoped).
    h.clock.advance(23 * MIN);
    const runningConfig = [
      'Building configuration...',
      '',
      'Current configuration:',
      '!',
      'router bgp 64501',
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ' neighbor 192.168.1.1 remote-as 64500',
      ' !',
      ' address-family ipv4 unicast',
      '  network 192.168.122.210/32',
      '  neighbor 192.168.1.1 activate',
      ' exit-address-family',
      'exit',
      '!',
      'end',
    ].join('\n');
    const nodeState = {
      apiVersion: 'frrk8s.metallb.io/v1beta1',
      kind: 'FRRNodeState',
      metadata: { name: 'worker0.example.com' },
      spec: {},
    };
    await client.create(nodeState);
    await client.patchStatus(nodeState, {
      status: { runningConfig, lastReloadResult: 'success', lastConversionResult: 'success' },
    });

    // t0+73m: the BGP example's configuration and workload, applied verbatim.
    h.clock.advance(3 * MIN);
    for (const doc of [
      seed.BGP_POOL_YAML,
      seed.BGP_PEER_YAML,
      seed.BGP_ADV_YAML,
      seed.TEST_APP_DEPLOYMENT_YAML,
      seed.TEST_SERVICE_YAML,
    ]) {
      const r = await h.kubectl(['apply', '-f', '-'], doc);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    await client.patchStatus(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'test-service', namespace: 'default' },
      },
      { status: { loadBalancer: { ingress: [{ ip: '192.168.122.210', ipMode: 'VIP' }] } } },
    );
    seedObject(h.server, {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'ServiceBGPStatus',
      metadata: {
        name: 'bgp-xxxxx',
        generateName: 'bgp-',
        namespace: 'metallb-system',
        labels: {
          'metallb.io/node': 'worker0',
          'metallb.io/service-name': 'test-service',
          'metallb.io/service-namespace': 'default',
        },
      },
      spec: {},
      status: {
        node: 'worker0',
        peers: ['bgp-peer'],
        serviceName: 'test-service',
        serviceNamespace: 'default',
      },
    });
    const sessions: Array<[string, string, string, string, string]> = [
      ['worker-2gjfq', 'worker', '10.89.0.64', 'Active', 'N/A'],
      ['worker-9gtnb', 'worker', '10.89.0.63', 'Established', 'N/A'],
      ['worker2-rknga', 'worker2', '10.89.0.66', 'Established', 'Up'],
      ['worker2-t7bfc', 'worker2', '172.30.0.2', 'Established', 'Down'],
    ];
    for (const [name, node, peer, bgp, bfd] of sessions) {
      const obj = {
        apiVersion: 'frrk8s.metallb.io/v1beta1',
        kind: 'BGPSessionState',
        metadata: {
          name,
          generateName: `${node}-`,
          namespace: 'openshift-frr-k8s',
          labels: {
            'frrk8s.metallb.io/node': node,
            'frrk8s.metallb.io/peer': peer,
            'frrk8s.metallb.io/vrf': '',
          },
        },
        spec: {},
      };
      await client.create(obj);
      await client.patchStatus(obj, { status: { node, peer, bgpStatus: bgp, bfdStatus: bfd } });
    }
    h.clock.advance(2 * MIN); // t0+75m

    const svc = parseTable(
      (await h.kubectl(['get', 'svc', 'test-service', '-n', 'default'])).stdout,
    );
    const expectedSvc = parseTable(seed.SVC_TABLE);
    expect(svc.header).toEqual(expectedSvc.header);
    const [name, type, clusterIp, externalIp, ports, age] = svc.rows[0] ?? [];
    expect([name, type, externalIp, age]).toEqual([
      'test-service',
      'LoadBalancer',
      '192.168.122.210',
      '2m',
    ]);
    // The clusterIP and nodePort are allocated at random, like the real server's.
    expect(clusterIp).toMatch(/^172\.30\.\d{1,3}\.\d{1,3}$/);
    expect(ports).toMatch(/^80:(3[0-2]\d{3})\/TCP$/);

    const sbs = await h.kubectl(['get', 'servicebgpstatus', '-n', 'metallb-system']);
    expect(parseTable(sbs.stdout)).toEqual(parseTable(seed.SERVICE_BGP_STATUS_TABLE));
    const sbsByLabel = await h.kubectl([
      'get',
      'servicebgpstatus',
      '-n',
      'metallb-system',
      '-l',
      'metallb.io/service-name=test-service',
    ]);
    expect(parseTable(sbsByLabel.stdout)).toEqual(parseTable(seed.SERVICE_BGP_STATUS_TABLE));
    const sbsYaml = await h.kubectl([
      'get',
      'servicebgpstatus',
      'bgp-xxxxx',
      '-n',
      'metallb-system',
      '-o',
      'yaml',
    ]);
    const sbsObj = parseYaml(sbsYaml.stdout) as Record<string, unknown>;
    expect(containsSubset(sbsObj, parseYaml(seed.SERVICE_BGP_STATUS_YAML))).toBe(true);
    expect(sbsObj['spec']).toEqual({});
    expect((sbsObj['metadata'] as Record<string, unknown>)['generateName']).toBe('bgp-');

    const sessionsTable = await h.kubectl([
      'get',
      'bgpsessionstates.frrk8s.metallb.io',
      '-A',
      '-o',
      'wide',
    ]);
    expect(parseTable(sessionsTable.stdout)).toEqual(parseTable(seed.BGP_SESSION_STATES_WIDE));

    const frr = await h.kubectl(['get', 'frrnodestate', '-n', 'metallb-system']);
    expect(parseTable(frr.stdout)).toEqual(parseTable(seed.FRR_NODE_STATE_TABLE));
    const frrYaml = await h.kubectl([
      'get',
      'frrnodestate',
      'worker0.example.com',
      '-n',
      'metallb-system',
      '-o',
      'yaml',
    ]);
    expect(
      (parseYaml(frrYaml.stdout) as { status: { runningConfig: string } }).status.runningConfig,
    ).toBe(runningConfig);
    const frrJsonPath = await h.kubectl([
      'get',
      'frrnodestate',
      'worker0.example.com',
      '-n',
      'metallb-system',
      '-o',
      'jsonpath={.status.runningConfig}',
    ]);
    const grepped = frrJsonPath.stdout.split('\n').filter((l) => l.includes('network'));
    // The seed's excerpt: real grep also prints the import-check line (reference section 18).
    expect(grepped).toEqual([
      ' no bgp network import-check',
      ...seed.NETWORK_GREP.split('\n').filter((l) => l.includes('network')),
    ]);

    const states = await h.kubectl(['get', 'configurationstates', '-n', 'metallb-system']);
    expect(parseTable(states.stdout)).toEqual(parseTable(seed.CONFIGURATION_STATES_TABLE));
    const controllerYaml = await h.kubectl([
      'get',
      'configurationstates',
      'controller',
      '-n',
      'metallb-system',
      '-o',
      'yaml',
    ]);
    expect(controllerYaml.stdout).toBe(seed.CONTROLLER_STATE_YAML);
    const results = await h.kubectl([
      'get',
      'configurationstates',
      '-n',
      'metallb-system',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.status.result}{"\\n"}{end}',
    ]);
    expect(results.stdout).toBe('controller\tValid\nspeaker-mysno-sno.demo.lab\tValid\n');
  });

  it('the invalid speaker ConfigurationState prints as the seed shows it', async () => {
    h = await startHarness(Date.parse('2026-04-21T10:10:00Z'), { namespaces: ['metallb-system'] });
    seedObject(h.server, parseYaml(seed.SPEAKER_INVALID_YAML) as Record<string, unknown>, {
      uid: '339781bf-ec9a-4ba9-aaba-0a9ac8ebce78',
      creationTimestamp: '2026-04-21T09:51:17Z',
      resourceVersion: 31161,
    });
    const got = await h.kubectl([
      'get',
      'configurationstates',
      'speaker-mysno-sno.demo.lab',
      '-n',
      'metallb-system',
      '-o',
      'yaml',
    ]);
    expect(got.stdout).toBe(seed.SPEAKER_INVALID_YAML);
    const table = parseTable(
      (await h.kubectl(['get', 'configurationstates', '-n', 'metallb-system'])).stdout,
    );
    expect(table.rows[0]?.slice(0, 3)).toEqual([
      'speaker-mysno-sno.demo.lab',
      'Invalid',
      'configuration error: peer peer1 referencing non existing bfd profile my-bfd-profile',
    ]);
  });

  it("Table 1's `get bgpsessionstatus -o wide` fails like kubectl against a real cluster", async () => {
    h = await startHarness(Date.parse('2026-04-21T10:10:00Z'));
    const r = await h.kubectl(['get', 'bgpsessionstatus', '-o', 'wide']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: the server doesn\'t have a resource type "bgpsessionstatus"',
    );
  });
});
