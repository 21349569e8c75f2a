/**
 * Normalizes the checks of `wait` and `expect` steps (resource, sessions, route,
 * notification, metric) into typed Expectations, with the semantic checks the schema cannot
 * express (exactly one condition, a valid regex, a known NOTIFICATION name).
 */
import { ScenarioErrorCode } from './errors.js';
import { notificationByName, notificationNames } from './notification-names.js';
import { checkNode, checkRouter, resolvePeer, type Raw, type StepContext } from './references.js';
import { fail } from './resources.js';
import type { YamlPath } from './source-map.js';
import type { Expectation, SessionStateMatcher } from './types.js';

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

export function expectation(ctx: StepContext, raw: Raw, path: YamlPath): Expectation {
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
      ...(typeof r['stale'] === 'boolean' ? { stale: r['stale'] } : {}),
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

export function describeExpectation(e: Expectation): string {
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
