/**
 * Normalizes `steps`: one action key per step becomes a typed Action; durations become ms,
 * files are read, router names in `peer` fields become addresses, and references to routers
 * and nodes are checked against the topology. Runs only on data the schema has accepted.
 */
import { parse as parseYaml } from 'yaml';
import { parseDuration } from './duration.js';
import { ScenarioErrorCode } from './errors.js';
import { notificationByName, notificationNames } from './notification-names.js';
import { closest } from './schema.js';
import { fail, loadResourceSource, readReferencedFile, type LoadContext } from './resources.js';
import type { YamlPath } from './source-map.js';
import type {
  Action,
  ClockMode,
  Expectation,
  ResourceRef,
  SessionStateMatcher,
  Step,
  Topology,
} from './types.js';

type Raw = Record<string, unknown>;

export interface StepContext extends LoadContext {
  topology: Topology;
  clock: ClockMode;
  defaults: { timeoutMs: number; namespace: string };
}

function ms(value: unknown): number {
  return parseDuration(String(value)) ?? 0; // the schema has checked the pattern
}

function checkRouter(ctx: StepContext, name: unknown, path: YamlPath): string {
  const n = String(name);
  const names = ctx.topology.routers.map((r) => r.name);
  if (!names.includes(n)) {
    const near = closest(n, names);
    fail(
      ctx,
      ScenarioErrorCode.UnknownReference,
      ctx.map.valueAt(path),
      `unknown router '${n}': expected one of the topology's routers (${names.join(', ') || 'none defined'})${near ? ` (did you mean '${near}'?)` : ''}`,
      { subject: n, ...(near ? { suggestion: near } : {}) },
    );
  }
  return n;
}

function checkNode(ctx: StepContext, name: unknown, path: YamlPath): string {
  const n = String(name);
  const names = ctx.topology.nodes.map((x) => x.name);
  if (!names.includes(n)) {
    const near = closest(n, names);
    fail(
      ctx,
      ScenarioErrorCode.UnknownReference,
      ctx.map.valueAt(path),
      `unknown node '${n}': expected one of the topology's nodes (${names.join(', ')})${near ? ` (did you mean '${near}'?)` : ''}`,
      { subject: n, ...(near ? { suggestion: near } : {}) },
    );
  }
  return n;
}

/** A peer is an address, or a router's name (resolved to its IPv4, else IPv6 address). */
function resolvePeer(
  ctx: StepContext,
  peer: unknown,
  path: YamlPath,
): { peer: string; router?: string } {
  const text = String(peer);
  const router = ctx.topology.routers.find((r) => r.name === text);
  if (router) {
    const addr = router.addresses.ipv4?.address ?? router.addresses.ipv6?.address ?? text;
    return { peer: addr, router: router.name };
  }
  if (!/^[0-9.]+$/.test(text) && !text.includes(':')) {
    fail(
      ctx,
      ScenarioErrorCode.UnknownReference,
      ctx.map.valueAt(path),
      `unknown peer '${text}': expected an address or a router name`,
    );
  }
  const byAddress = ctx.topology.routers.find(
    (r) => r.addresses.ipv4?.address === text || r.addresses.ipv6?.address === text,
  );
  return byAddress ? { peer: text, router: byAddress.name } : { peer: text };
}

function resourceRef(ctx: StepContext, raw: unknown): ResourceRef {
  if (typeof raw === 'string') {
    const [kind, name] = raw.split('/') as [string, string];
    return { kind, name, namespace: ctx.defaults.namespace };
  }
  const r = raw as Raw;
  return {
    ...(typeof r['apiVersion'] === 'string' ? { apiVersion: r['apiVersion'] } : {}),
    kind: String(r['kind']),
    name: String(r['name']),
    namespace: typeof r['namespace'] === 'string' ? r['namespace'] : ctx.defaults.namespace,
  };
}

const BFD_TOKEN = /^BFD (.+)$/;

function sessionMatcher(token: unknown): SessionStateMatcher {
  if (typeof token === 'string') {
    const bfd = BFD_TOKEN.exec(token);
    return bfd
      ? { bfd: bfd[1] as SessionStateMatcher['bfd'] }
      : { bgp: token as SessionStateMatcher['bgp'] };
  }
  return token as SessionStateMatcher;
}

function expectation(ctx: StepContext, raw: Raw, path: YamlPath): Expectation {
  if (raw['resource']) {
    const r = raw['resource'] as Raw;
    const p = [...path, 'resource'];
    const conditions = ['equals', 'matches', 'exists'].filter((k) => r[k] !== undefined);
    if (conditions.length !== 1) {
      fail(
        ctx,
        ScenarioErrorCode.MissingField,
        ctx.map.valueAt(p),
        conditions.length
          ? `expected only one of equals, matches, exists, got ${conditions.join(' and ')}`
          : "missing required field 'equals', 'matches' or 'exists'",
      );
    }
    if ((r['name'] === undefined) === (r['selector'] === undefined)) {
      fail(
        ctx,
        ScenarioErrorCode.MissingField,
        ctx.map.valueAt(p),
        "expected exactly one of 'name' and 'selector'",
      );
    }
    if (typeof r['matches'] === 'string') {
      try {
        new RegExp(r['matches']);
      } catch {
        fail(
          ctx,
          ScenarioErrorCode.BadValue,
          ctx.map.valueAt([...p, 'matches']),
          `expected a regular expression, got '${r['matches']}'`,
        );
      }
    }
    const condition =
      r['matches'] !== undefined
        ? { matches: String(r['matches']) }
        : r['exists'] !== undefined
          ? { exists: Boolean(r['exists']) }
          : { equals: String(r['equals']) };
    return {
      kind: 'resource',
      ...(typeof r['apiVersion'] === 'string' ? { apiVersion: r['apiVersion'] } : {}),
      resourceKind: String(r['kind']),
      namespace: typeof r['namespace'] === 'string' ? r['namespace'] : ctx.defaults.namespace,
      ...(r['name'] !== undefined ? { name: String(r['name']) } : {}),
      ...(r['selector'] !== undefined ? { selector: String(r['selector']) } : {}),
      jsonpath: String(r['jsonpath']),
      condition,
    };
  }
  if (raw['sessions']) {
    const s = raw['sessions'] as Raw;
    const p = [...path, 'sessions'];
    return {
      kind: 'sessions',
      node: checkNode(ctx, s['node'], [...p, 'node']),
      ...resolvePeer(ctx, s['peer'], [...p, 'peer']),
      vrf: typeof s['vrf'] === 'string' ? s['vrf'] : '',
      sequence: (s['sequence'] as unknown[]).map(sessionMatcher),
      since: s['since'] === 'step' ? 'step' : 'start',
    };
  }
  if (raw['route']) {
    const r = raw['route'] as Raw;
    const p = [...path, 'route'];
    return {
      kind: 'route',
      router: checkRouter(ctx, r['router'], [...p, 'router']),
      prefix: String(r['prefix']),
      ...(r['nextHop'] !== undefined ? { nextHop: String(r['nextHop']) } : {}),
      ...(r['communities'] ? { communities: r['communities'] as string[] } : {}),
      ...(r['largeCommunities'] ? { largeCommunities: r['largeCommunities'] as string[] } : {}),
      ...(r['localPref'] !== undefined ? { localPref: Number(r['localPref']) } : {}),
      absent: r['absent'] === true,
    };
  }
  if (raw['notification']) {
    const n = raw['notification'] as Raw;
    const p = [...path, 'notification'];
    let code = typeof n['code'] === 'number' ? n['code'] : undefined;
    let subcode = typeof n['subcode'] === 'number' ? n['subcode'] : undefined;
    if (typeof n['name'] === 'string') {
      const named = notificationByName(n['name']);
      if (!named) {
        fail(
          ctx,
          ScenarioErrorCode.BadValue,
          ctx.map.valueAt([...p, 'name']),
          `unknown NOTIFICATION name '${n['name']}': expected a name like ${notificationNames().slice(0, 3).join(', ')} or cease/bfd-down`,
        );
      } else if (
        (code !== undefined && code !== named.code) ||
        (subcode !== undefined && subcode !== named.subcode)
      ) {
        fail(
          ctx,
          ScenarioErrorCode.BadValue,
          ctx.map.valueAt([...p, 'name']),
          `name '${n['name']}' is code ${named.code}${named.subcode !== undefined ? ` subcode ${named.subcode}` : ''}, which contradicts code/subcode`,
        );
      } else {
        code = named.code;
        subcode = named.subcode;
      }
    } else if (code === undefined) {
      fail(
        ctx,
        ScenarioErrorCode.MissingField,
        ctx.map.valueAt(p),
        "missing required field 'code' or 'name'",
      );
    }
    return {
      kind: 'notification',
      node: checkNode(ctx, n['node'], [...p, 'node']),
      ...resolvePeer(ctx, n['peer'], [...p, 'peer']),
      direction: n['direction'] === 'received' ? 'received' : 'sent',
      code: code ?? 0,
      ...(subcode !== undefined ? { subcode } : {}),
    };
  }
  const m = raw['metric'] as Raw;
  const p = [...path, 'metric'];
  return {
    kind: 'metric',
    name: String(m['name']),
    ...(m['node'] !== undefined ? { node: checkNode(ctx, m['node'], [...p, 'node']) } : {}),
    labels: (m['labels'] as Record<string, string>) ?? {},
    op: (m['op'] as '==') ?? '==',
    value: Number(m['value']),
  };
}

function describeExpectation(e: Expectation): string {
  switch (e.kind) {
    case 'resource':
      return `resource ${e.resourceKind}/${e.name ?? e.selector} ${e.jsonpath}`;
    case 'sessions':
      return `sessions ${e.node}/${e.peer}`;
    case 'route':
      return `route ${e.router} ${e.absent ? 'lacks' : 'has'} ${e.prefix}`;
    case 'notification':
      return `notification ${e.direction} ${e.node}/${e.peer}`;
    case 'metric':
      return `metric ${e.name}`;
  }
}

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
      if (ctx.clock !== 'virtual') {
        fail(
          ctx,
          ScenarioErrorCode.ClockMismatch,
          ctx.map.valueAt(p),
          'advance moves virtual time: expected clock: virtual (use sleep with clock: real)',
        );
      }
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
