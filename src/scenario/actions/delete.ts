/** `delete`: remove the manifests of a file or inline, or one resource by reference. */
import { resourceRef, type Raw } from '../references.js';
import { loadResourceSource } from '../resources.js';
import type { ActionDef } from '../registry/types.js';
import type { ResourceRef, ResourceSet } from '../types.js';

export interface DeleteAction {
  kind: 'delete';
  resources?: ResourceSet;
  ref?: ResourceRef;
  ignoreNotFound: boolean;
}

export const deleteAction: ActionDef<DeleteAction> = {
  kinds: ['delete'],
  keys: {
    delete: {
      $ref: '#/definitions/deleteAction',
    },
  },
  definitions: {
    deleteAction: {
      description: 'Delete the manifests of a file or inline, or one `resource` by reference.',
      if: {
        type: 'object',
        required: ['resource'],
      },
      then: {
        type: 'object',
        additionalProperties: false,
        properties: {
          resource: {
            $ref: '#/definitions/resourceRef',
          },
          ignoreNotFound: {
            type: 'boolean',
          },
        },
      },
      else: {
        $ref: '#/definitions/resourceSource',
      },
    },
  },
  parse(ctx, _key, value, path) {
    const v = value as Raw;
    if (v && typeof v === 'object' && v['resource'] !== undefined) {
      return {
        kind: 'delete',
        ref: resourceRef(ctx, v['resource']),
        ignoreNotFound: v['ignoreNotFound'] === true,
      };
    }
    return {
      kind: 'delete',
      resources: loadResourceSource(ctx, value, path),
      ignoreNotFound: false,
    };
  },
  describe: (a) =>
    a.ref
      ? `delete ${a.ref.kind}/${a.ref.name}`
      : `delete ${a.resources?.manifests.length ?? 0} resource(s)`,
  async act({ s, apiVersionOf }, a) {
    const refs = a.ref
      ? [
          {
            apiVersion: a.ref.apiVersion ?? (await apiVersionOf(a.ref.kind)),
            kind: a.ref.kind,
            metadata: { name: a.ref.name, namespace: a.ref.namespace },
          },
        ]
      : (a.resources?.manifests ?? []).map((m) => ({
          apiVersion: m.apiVersion,
          kind: m.kind,
          metadata: {
            name: m.metadata?.name,
            namespace: m.metadata?.namespace ?? s.scenario.defaults.namespace,
          },
        }));
    for (const ref of refs) {
      const gone = await s.client.delete(ref);
      if (!gone && !a.ignoreNotFound)
        throw new Error(
          `${ref.kind} ${ref.metadata.namespace ?? ''}/${ref.metadata.name} not found`,
        );
      s.record({
        kind: 'resource-change',
        verb: 'delete',
        apiVersion: ref.apiVersion,
        resourceKind: ref.kind,
        namespace: ref.metadata.namespace,
        name: ref.metadata.name ?? '',
        resourceVersion: '',
        actor: 'scenario',
        changes: [],
      });
    }
  },
};
