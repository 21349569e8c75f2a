import { addressFamily } from './topology.js';

/**
 * nftables rules for packet faults inside a router's namespace (pure text; faults.ts runs them).
 * One table per lab, `inet ssim_<lab>`, with input and output filter chains; each fault adds
 * rules tagged with a comment and is restored by deleting the rules with that tag.
 */

/** BGP: TCP 179 unless the neighbor uses another port (RFC 4271 8.2.1 / FRR `neighbor X port`). */
export const BGP_PORT = 179;
/** RFC 5881 4: single-hop control 3784, echo 3785; RFC 5883 5: multihop control 4784. */
export const BFD_PORTS = [3784, 3785, 4784] as const;

/** Which way packets are dropped, seen from the lab: towards the nodes, the router, or both. */
export type DropDirection = 'both' | 'to-node' | 'to-router';

export type PacketFault =
  | { kind: 'drop-bgp'; peer?: string; port?: number; direction?: DropDirection }
  | { kind: 'drop-bfd'; peer?: string; direction?: DropDirection }
  /** Everything between the router and one address: a link down towards one node only. */
  | { kind: 'drop-all'; peer: string };

/** Stable tag for a fault: the same fault always maps to the same rules. */
export function faultTag(fault: PacketFault): string {
  const peer = fault.peer ?? 'any';
  if (fault.kind === 'drop-all') return `ssim:drop-all:${peer}`;
  const dir = fault.direction && fault.direction !== 'both' ? `:${fault.direction}` : '';
  return fault.kind === 'drop-bgp'
    ? `ssim:drop-bgp:${peer}:${fault.port ?? BGP_PORT}${dir}`
    : `ssim:drop-bfd:${peer}${dir}`;
}

/** Declarative table: `nft -f` creates it when missing and leaves existing rules alone. */
export function nftTableRuleset(table: string): string {
  return [
    `table inet ${table} {`,
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    '  }',
    '  chain output {',
    '    type filter hook output priority -10; policy accept;',
    '  }',
    '}',
  ].join('\n');
}

function peerMatch(peer: string | undefined, direction: 'saddr' | 'daddr'): string {
  if (peer === undefined) return '';
  return `${addressFamily(peer) === 'ipv4' ? 'ip' : 'ip6'} ${direction} ${peer} `;
}

/**
 * `add rule` lines for a fault. Both directions are dropped so neither side hears the other:
 * incoming packets from the peer and outgoing packets to it, by destination and source port
 * (the BGP side that connected uses an ephemeral port, the other side the well-known one).
 */
export function nftFaultRules(table: string, fault: PacketFault): string {
  const tag = faultTag(fault);
  const lines: string[] = [];
  // In the router's namespace, packets to the nodes leave through output, packets to the
  // router arrive through input.
  const direction = fault.kind === 'drop-all' ? 'both' : (fault.direction ?? 'both');
  const add = (chain: 'input' | 'output', match: string): void => {
    if (direction === 'to-node' && chain === 'input') return;
    if (direction === 'to-router' && chain === 'output') return;
    lines.push(`add rule inet ${table} ${chain} ${match} counter drop comment "${tag}"`);
  };
  const inPeer = peerMatch(fault.peer, 'saddr');
  const outPeer = peerMatch(fault.peer, 'daddr');
  if (fault.kind === 'drop-all') {
    add('input', inPeer.trimEnd());
    add('output', outPeer.trimEnd());
  } else if (fault.kind === 'drop-bgp') {
    const port = fault.port ?? BGP_PORT;
    for (const dir of ['dport', 'sport']) {
      add('input', `${inPeer}tcp ${dir} ${port}`);
      add('output', `${outPeer}tcp ${dir} ${port}`);
    }
  } else {
    const ports = `{ ${BFD_PORTS.join(', ')} }`;
    add('input', `${inPeer}udp dport ${ports}`);
    add('output', `${outPeer}udp dport ${ports}`);
  }
  return lines.join('\n');
}

export interface RuleRef {
  chain: string;
  handle: number;
}

/** Rules carrying `tag` in `nft -j -a list table inet <table>` output (all rules if no tag). */
export function rulesWithTag(json: string, tag?: string): RuleRef[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  const items = (parsed as { nftables?: unknown })?.nftables;
  if (!Array.isArray(items)) return [];
  const out: RuleRef[] = [];
  for (const item of items) {
    const rule = (item as { rule?: Record<string, unknown> })?.rule;
    if (!rule || typeof rule.chain !== 'string' || typeof rule.handle !== 'number') continue;
    if (tag === undefined || rule.comment === tag)
      out.push({ chain: rule.chain, handle: rule.handle });
  }
  return out;
}
