/** `patch`: patch one resource like `kubectl patch --type merge|json|strategic`. */
import { parse as parseYaml } from 'yaml';
import { ScenarioErrorCode } from '../errors.js';
import { resourceRef, type Raw, type StepContext } from '../references.js';
import { fail, readReferencedFile } from '../resources.js';
import type { YamlPath } from '../source-map.js';
import type { ActionDef } from '../registry/types.js';
import type { PatchType, ResourceRef } from '../types.js';

export interface PatchAction {
  kind: 'patch';
  ref: ResourceRef;
  patchType: PatchType;
  /** The patch body: an object (merge/strategic) or an array of operations (json). */
  patch: unknown;
  subresource?: 'status';
  /** Set when the patch came from a file. */
  file?: string;
}

function safeParse(ctx: StepContext, text: string, path: YamlPath): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    fail(
      ctx,
      ScenarioErrorCode.YamlSyntax,
      ctx.map.valueAt(path),
      'expected a patch body in YAML or JSON',
    );
    return undefined;
  }
}

export const patchAction: ActionDef<PatchAction> = {
  kinds: ['patch'],
  keys: {
    patch: {
      $ref: '#/definitions/patchAction',
    },
  },
  definitions: {
    patchAction: {
      type: 'object',
      additionalProperties: false,
      required: ['resource'],
      description:
        'Patch one resource, like `kubectl patch --type`. Give the body as `patch` or in a `file`.',
      properties: {
        resource: {
          $ref: '#/definitions/resourceRef',
        },
        type: {
          enum: ['merge', 'json', 'strategic'],
          'x-expected': 'a patch type: merge, json or strategic',
          description: 'Default merge.',
        },
        patch: {
          type: ['object', 'array', 'string'],
          'x-expected': 'a patch body (mapping, list or YAML/JSON string)',
        },
        file: {
          type: 'string',
          minLength: 1,
          description: 'Patch body file, relative to the scenario file.',
        },
        subresource: {
          enum: ['status'],
          'x-expected': 'a subresource: status',
        },
      },
    },
  },
  parse(ctx, _key, value, p) {
    const v = value as Raw;
    const hasBody = v['patch'] !== undefined;
    const hasFile = v['file'] !== undefined;
    if (hasBody === hasFile) {
      fail(
        ctx,
        ScenarioErrorCode.MissingField,
        ctx.map.valueAt(p),
        hasBody
          ? "expected 'patch' or 'file', not both"
          : "missing required field 'patch' (or 'file')",
      );
    }
    let body: unknown = v['patch'];
    let file: string | undefined;
    if (hasFile && !hasBody) {
      const read = readReferencedFile(ctx, String(v['file']), [...p, 'file']);
      if (read) {
        file = read.file;
        body = safeParse(ctx, read.text, [...p, 'file']);
      }
    } else if (typeof body === 'string') {
      body = safeParse(ctx, body, [...p, 'patch']);
    }
    const patchType = (v['type'] as PatchType) ?? 'merge';
    // RFC 6902 (JSON Patch) bodies are arrays of operations; merge patches are objects.
    if (body !== undefined && (patchType === 'json') !== Array.isArray(body)) {
      fail(
        ctx,
        ScenarioErrorCode.WrongType,
        ctx.map.valueAt([...p, hasFile ? 'file' : 'patch']),
        patchType === 'json'
          ? 'expected a list of JSON Patch operations for type json'
          : `expected a mapping for type ${patchType}`,
      );
    }
    return {
      kind: 'patch',
      ref: resourceRef(ctx, v['resource']),
      patchType,
      patch: body,
      ...(v['subresource'] === 'status' ? { subresource: 'status' as const } : {}),
      ...(file ? { file } : {}),
    };
  },
  describe: (a) => `patch ${a.ref.kind}/${a.ref.name}`,
  async act({ s, apiVersionOf }, a) {
    const ref = {
      apiVersion: a.ref.apiVersion ?? (await apiVersionOf(a.ref.kind)),
      kind: a.ref.kind,
      metadata: { name: a.ref.name, namespace: a.ref.namespace },
    };
    if (a.subresource === 'status') await s.client.patchStatus(ref, a.patch, a.patchType);
    else await s.client.patch(ref, a.patch, a.patchType);
  },
};
