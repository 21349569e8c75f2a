/**
 * MetalLB's validating webhooks and the BGPPeer `disableMP` warning, as an admission hook of
 * speakersim's API server (k8s/api/admission-hooks.ts): on the operations each webhook is
 * registered for, the object is judged with webhook.ts against what is stored in the MetalLB
 * namespace (and the Nodes), and a denial reaches the client as it does from a real cluster.
 */
import type { AdmissionHook, AdmissionStoreView } from '../k8s/api/admission-hooks.js';
import { webhookDenied } from '../k8s/api/admission-hooks.js';
import type { KubeObject } from '../k8s/resource-type.js';
import { MetallbInputError } from './errors.js';
import type { ClusterResources, Secret } from './types.js';
import { METALLB_NAMESPACE } from './types.js';
import { admissionReview, WEBHOOK_NAME, WEBHOOK_OPERATIONS, type WebhookKind } from './webhook.js';

/** bgppeer_webhook.go: accepted, with this warning, when `disableMP` is set. */
export const DISABLE_MP_WARNING =
  "disable mp is deprecated and has no effect since it's the default behavior now";

function isWebhookKind(kind: string): kind is WebhookKind {
  return Object.hasOwn(WEBHOOK_NAME, kind);
}

/** The cluster as the webhooks list it: MetalLB's kinds and Secrets in its namespace, all Nodes. */
export function storedClusterResources(
  store: AdmissionStoreView,
  metallbNamespace = METALLB_NAMESPACE,
): ClusterResources {
  const mine = <T>(plural: string, group = 'metallb.io'): T[] =>
    store.list(group, plural, metallbNamespace) as unknown as T[];
  const passwordSecrets: Record<string, Secret> = {};
  for (const s of mine<Secret>('secrets', '')) passwordSecrets[s.metadata.name ?? ''] = s;
  return {
    pools: mine('ipaddresspools'),
    peers: mine('bgppeers'),
    bfdProfiles: mine('bfdprofiles'),
    bgpAdvertisements: mine('bgpadvertisements'),
    l2Advertisements: mine('l2advertisements'),
    communities: mine('communities'),
    passwordSecrets,
    nodes: store.list('', 'nodes') as unknown as ClusterResources['nodes'],
    namespaces: store.list('', 'namespaces') as unknown as ClusterResources['namespaces'],
  };
}

export function metallbWebhooks(metallbNamespace = METALLB_NAMESPACE): AdmissionHook {
  return {
    name: 'metallb-webhooks',
    admit(request, store) {
      const { type, operation } = request;
      // The webhooks are registered for the resources, not their status subresource.
      if (type.group !== 'metallb.io' || request.subresource || !isWebhookKind(type.kind)) return;
      if (!WEBHOOK_OPERATIONS[type.kind].includes(operation)) return;
      const obj = (operation === 'DELETE' ? request.oldObject : request.object) as KubeObject;
      if (!obj) return;
      if (type.kind === 'BGPPeer' && operation === 'CREATE') {
        const spec = obj['spec'] as { disableMP?: boolean } | undefined;
        // validatePeerCreate returns at once with the warning: nothing else is checked.
        if (spec?.disableMP === true) return [DISABLE_MP_WARNING];
      }
      let denial;
      try {
        denial = admissionReview(
          type.kind,
          operation,
          obj as never,
          storedClusterResources(store, metallbNamespace),
          metallbNamespace,
        );
      } catch (error) {
        // An object the webhook cannot decode: admission.Errored(400, err).
        if (error instanceof MetallbInputError)
          throw webhookDenied(WEBHOOK_NAME[type.kind], error.message, 400);
        throw error;
      }
      if (denial) throw webhookDenied(denial.webhook, denial.error.message);
      return [];
    },
  };
}
