import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, KubeClientError } from '../../src/k8s/client.js';
import { type Harness, kubectlAvailable, startHarness } from '../k8s/helpers.js';

// kubectl against speakersim's API server with MetalLB "installed": the webhooks and the CRDs'
// CEL rules refuse what a real cluster refuses, with the same status code and message.
const hasKubectl = kubectlAvailable();

const peer = (name: string, spec: string, ns = 'metallb-system') => `apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  myASN: 64501
  peerASN: 64500
  peerAddress: 198.18.0.1
${spec}`;

const pool = (name: string, cidr: string) => `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: ${name}
  namespace: metallb-system
spec:
  addresses: [${cidr}]
`;

describe.skipIf(!hasKubectl)('admission at kubectl apply time', () => {
  let h: Harness;
  let off: Harness;
  beforeAll(async () => {
    h = await startHarness(Date.parse('2026-01-01T00:00:00Z'), {
      namespaces: ['metallb-system', 'other'],
    });
    off = await startHarness(Date.parse('2026-01-01T00:00:00Z'), {
      namespaces: ['metallb-system'],
      admission: false,
    });
  });
  afterAll(async () => {
    await h.close();
    await off.close();
  });

  it('an invalid BGPPeer is denied by its webhook: 403, Forbidden, kubectl exit 1', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], peer('bad-hold', '  holdTime: 1s\n'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error from server (Forbidden): error when creating "STDIN": admission webhook "bgppeersvalidationwebhook.metallb.io" denied the request: invalid BGPPeer timers: invalid hold time "1s": must be 0 or >=3s\nparsing peer bad-hold\n',
    );
    expect(
      (await h.kubectl(['get', 'bgppeers', '-n', 'metallb-system', '-o', 'name'])).stdout,
    ).toBe('');
    // The same through the client: the Status carries the code and reason.
    const client = KubeClient.fromKubeconfigFile(h.server.kubeconfigPath);
    const err = await client
      .create({
        apiVersion: 'metallb.io/v1beta2',
        kind: 'BGPPeer',
        metadata: { name: 'bad-hold', namespace: 'metallb-system' },
        spec: { myASN: 64501, peerASN: 64500, peerAddress: '198.18.0.1', holdTime: '1s' },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeClientError);
    expect((err as KubeClientError).httpCode).toBe(403);
    expect((err as KubeClientError).code).toBe('ERR_K8S_FORBIDDEN');
  });

  it('a resource outside metallb-system is denied; a missing BFD profile passes', async () => {
    const wrong = await h.kubectl(['apply', '-f', '-'], peer('elsewhere', '', 'other'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'denied the request: resource must be created in metallb-system namespace',
    );
    const transient = await h.kubectl(['apply', '-f', '-'], peer('p1', '  bfdProfile: fast\n'));
    expect(transient).toMatchObject({ code: 0, stdout: 'bgppeer.metallb.io/p1 created\n' });
  });

  it('an overlapping pool is denied; a pool beside it is created', async () => {
    expect((await h.kubectl(['apply', '-f', '-'], pool('a', '198.18.10.0/24'))).code).toBe(0);
    const r = await h.kubectl(['apply', '-f', '-'], pool('b', '198.18.10.128/25'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error from server (Forbidden): error when creating "STDIN": admission webhook "ipaddresspoolvalidationwebhook.metallb.io" denied the request: CIDR "198.18.10.128/25" in pool "b" overlaps with already defined CIDR "198.18.10.0/24"\n',
    );
    expect((await h.kubectl(['apply', '-f', '-'], pool('c', '198.18.11.0/24'))).code).toBe(0);
  });

  it('a BFDProfile a BGPPeer uses cannot be deleted', async () => {
    await h.kubectl(
      ['apply', '-f', '-'],
      'apiVersion: metallb.io/v1beta1\nkind: BFDProfile\nmetadata: {name: fast, namespace: metallb-system}\n',
    );
    const r = await h.kubectl(['delete', 'bfdprofile', 'fast', '-n', 'metallb-system']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error from server (Forbidden): admission webhook "bfdprofilevalidationwebhook.metallb.io" denied the request: failed to delete BFDProfile fast, used by BGPPeer p1\n',
    );
  });

  it("the CRD's CEL rules refuse a bad connectTime with 422 Invalid", async () => {
    const r = await h.kubectl(['apply', '-f', '-'], peer('ct', '  connectTime: 1500ms\n'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'The BGPPeer "ct" is invalid: spec.connectTime: Invalid value: "string": connect time should contain a whole number of seconds\n',
    );
    const adv = `apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: adv, namespace: metallb-system}
spec:
  aggregationLength: 24
  serviceSelectors: [{matchLabels: {app: web}}]
`;
    const a = await h.kubectl(['apply', '-f', '-'], adv);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe(
      'The BGPAdvertisement "adv" is invalid: spec: Invalid value: "object": serviceSelectors and aggregationLength are mutually exclusive, can only be used together with default aggregationLength (32) and aggregationLengthV6 (128)\n',
    );
  });

  it('disableMP is accepted with the webhook warning', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], peer('mp', '  disableMP: true\n'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "Warning: disable mp is deprecated and has no effect since it's the default behavior now\n",
    );
  });

  it('with admission off, what the webhooks refuse is stored (for ConfigurationState scenarios)', async () => {
    const r = await off.kubectl(['apply', '-f', '-'], peer('bad-hold', '  holdTime: 1s\n'));
    expect(r).toMatchObject({ code: 0, stdout: 'bgppeer.metallb.io/bad-hold created\n' });
    // Schema validation stays on: the switch is about admission only.
    const schema = await off.kubectl(['apply', '-f', '-'], peer('bad-port', '  peerPort: 70000\n'));
    expect(schema.code).toBe(1);
  });
});
