/**
 * Normalizes `steps`: one action key per step becomes a typed Action; durations become ms,
 * files are read, and references to routers and nodes are checked against the topology.
 * Runs only on data the schema has accepted.
 */
import { parse as parseYaml } from 'yaml';
import { ScenarioErrorCode } from './errors.js';
import { describeExpectation, expectation } from './expectations.js';
import {
  checkNode,
  checkRouter,
  ms,
  resourceRef,
  type Raw,
  type StepContext,
} from './references.js';
import { fail, loadResourceSource, readReferencedFile } from './resources.js';
import type { YamlPath } from './source-map.js';
import type { Action, Step } from './types.js';

export type { StepContext } from './references.js';

function action(ctx: StepContext, key: string, value: unknown, path: YamlPath): Action {
  const v = value as Raw;
  const p = [...path, key];
  switch (key) {
    case 'apply':
      return { kind: 'apply', resources: loadResourceSource(ctx, value, p) };
    case 'delete':
      if (v && typeof v === 'object' && v['resource'] !== undefined) {
        return {
          kind: 'delete',
          ref: resourceRef(ctx, v['resource']),
          ignoreNotFound: v['ignoreNotFound'] === true,
        };
      }
      return {
        kind: 'delete',
        resources: loadResourceSource(ctx, value, p),
        ignoreNotFound: false,
      };
    case 'patch': {
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
      const patchType = (v['type'] as 'merge' | 'json' | 'strategic') ?? 'merge';
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
    }
    case 'linkDown':
    case 'linkUp':
      return {
        kind: 'link',
        state: key === 'linkDown' ? 'down' : 'up',
        router: checkRouter(ctx, v['router'], [...p, 'router']),
        ...(v['node'] !== undefined ? { node: checkNode(ctx, v['node'], [...p, 'node']) } : {}),
      };
    case 'drop':
    case 'restore':
      return {
        kind: 'packets',
        mode: key,
        protocol: v['protocol'] as 'bgp' | 'bfd',
        router: checkRouter(ctx, v['router'], [...p, 'router']),
        ...(v['node'] !== undefined ? { node: checkNode(ctx, v['node'], [...p, 'node']) } : {}),
        direction: (v['direction'] as 'both') ?? 'both',
      };
    case 'killDaemon':
    case 'restartDaemon':
      return {
        kind: 'daemon',
        op: key === 'killDaemon' ? 'kill' : 'restart',
        router: checkRouter(ctx, v['router'], [...p, 'router']),
        daemon: v['daemon'] as 'bgpd',
      };
    case 'vtysh':
      return {
        kind: 'vtysh',
        router: checkRouter(ctx, v['router'], [...p, 'router']),
        commands: Array.isArray(v['command']) ? (v['command'] as string[]) : [String(v['command'])],
      };
    case 'stopNode':
    case 'restartNode':
      return {
        kind: 'node',
        op: key === 'stopNode' ? 'stop' : 'restart',
        node: checkNode(ctx, value, p),
      };
    case 'advance':
      // Virtual time moves at once; on a real clock the runner waits as long.
      return { kind: 'advance', ms: ms(value) };
    case 'sleep':
      if (ctx.clock !== 'real') {
        fail(
          ctx,
          ScenarioErrorCode.ClockMismatch,
          ctx.map.valueAt(p),
          'sleep waits real time: expected clock: real (use advance with clock: virtual)',
        );
      }
      return { kind: 'sleep', ms: ms(value) };
    default: {
      // wait / expect
      return {
        kind: key as 'wait' | 'expect',
        expectation: expectation(ctx, v, p),
        timeoutMs: v['timeout'] !== undefined ? ms(v['timeout']) : ctx.defaults.timeoutMs,
      };
    }
  }
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

function describeAction(a: Action): string {
  switch (a.kind) {
    case 'apply':
      return `apply ${a.resources.manifests.map((m) => `${m.kind}/${m.metadata?.name ?? '?'}`).join(', ')}`;
    case 'delete':
      return a.ref
        ? `delete ${a.ref.kind}/${a.ref.name}`
        : `delete ${a.resources?.manifests.length ?? 0} resource(s)`;
    case 'patch':
      return `patch ${a.ref.kind}/${a.ref.name}`;
    case 'link':
      return `link ${a.state} ${a.router}${a.node ? `-${a.node}` : ''}`;
    case 'packets':
      return `${a.mode} ${a.protocol} ${a.router}${a.node ? `-${a.node}` : ''}`;
    case 'daemon':
      return `${a.op} ${a.daemon} on ${a.router}`;
    case 'vtysh':
      return `vtysh ${a.router}: ${a.commands.join('; ')}`;
    case 'node':
      return `${a.op} node ${a.node}`;
    case 'advance':
    case 'sleep':
      return `${a.kind} ${a.ms}ms`;
    case 'wait':
    case 'expect':
      return `${a.kind} ${describeExpectation(a.expectation)}`;
  }
}

export function normalizeSteps(ctx: StepContext, raw: Raw[], actionKeys: string[]): Step[] {
  return raw.map((step, index) => {
    const path: YamlPath = ['steps', index];
    const keyword = Object.keys(step).find((k) => actionKeys.includes(k))!;
    const act = action(ctx, keyword, step[keyword], path);
    const name =
      typeof step['name'] === 'string' ? step['name'] : `${index + 1}: ${describeAction(act)}`;
    return { index, keyword, name, action: act, at: ctx.map.valueAt(path) };
  });
}
