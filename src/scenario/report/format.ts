/**
 * One human-readable line per timeline event, shared by the JUnit failure bodies and the HTML
 * report: `+12.500s bgp worker0 198.18.0.1 Active -> Established (ManualStart)`.
 */
import type { TimelineEvent } from '../timeline.js';

export function formatOffset(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`;
}

function compact(value: unknown): string {
  const text = value === undefined ? '-' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function describeEvent(ev: TimelineEvent): string {
  switch (ev.kind) {
    case 'step-start':
      return `step ${ev.step + 1} start: ${ev.name}`;
    case 'step-end': {
      const extra = [
        ev.expected !== undefined ? `expected ${ev.expected}` : '',
        ev.actual !== undefined ? `got ${ev.actual}` : '',
        ev.message ?? '',
      ].filter(Boolean);
      return `step ${ev.step + 1} ${ev.result}: ${ev.name}${extra.length ? ` (${extra.join('; ')})` : ''}`;
    }
    case 'bgp-transition':
      return `bgp ${ev.node} ${sessionPeer(ev)} ${ev.from} -> ${ev.to}${ev.reason ? ` (${ev.reason})` : ''}`;
    case 'bfd-transition':
      return `bfd ${ev.node} ${sessionPeer(ev)} ${ev.from} -> ${ev.to}${ev.diagnostic ? ` (${ev.diagnostic})` : ''}`;
    case 'message':
      return `${ev.protocol} ${ev.node} ${ev.direction === 'sent' ? '->' : '<-'} ${sessionPeer(ev)} ${ev.summary}`;
    case 'resource-change': {
      const ref = `${ev.resourceKind} ${ev.namespace ? `${ev.namespace}/` : ''}${ev.name}`;
      const fields = ev.changes.map((c) => `${c.path}: ${compact(c.from)} -> ${compact(c.to)}`);
      return `${ev.verb} ${ref} rv=${ev.resourceVersion}${ev.actor ? ` by ${ev.actor}` : ''}${fields.length ? ` ${fields.join(', ')}` : ''}`;
    }
    case 'router-event':
      return `router ${ev.router} ${ev.event}${ev.daemon ? ` ${ev.daemon}` : ''}${ev.detail ? `: ${ev.detail}` : ''}`;
    case 'fault':
      return `fault ${ev.fault}${ev.router ? ` router=${ev.router}` : ''}${ev.node ? ` node=${ev.node}` : ''}${ev.detail ? `: ${ev.detail}` : ''}`;
    case 'log':
      return `${ev.level} ${ev.source}: ${ev.message}`;
  }
}

export function formatEvent(ev: TimelineEvent): string {
  return `${formatOffset(ev.t)} ${describeEvent(ev)}`;
}

/** A session's peer as the timeline shows it: the address, and the VRF unless it is the default. */
export function sessionPeer(ev: { peer: string; vrf?: string }): string {
  return ev.vrf ? `${ev.peer} vrf ${ev.vrf}` : ev.peer;
}
