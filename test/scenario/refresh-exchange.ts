import type { TimelineEvent } from '../../src/scenario/timeline.js';

/**
 * The ROUTE-REFRESH exchange a run recorded, from the node's side: what it received and sent
 * (ROUTE-REFRESH with family and subtype, UPDATEs), from the first ROUTE-REFRESH to the first
 * EoRR sent (what the router sends afterwards, e.g. its own routes, is not part of it).
 */
export function refreshExchange(events: readonly TimelineEvent[]): string[] {
  const bgp = events.filter(
    (e): e is Extract<TimelineEvent, { kind: 'message' }> =>
      e.kind === 'message' && e.protocol === 'bgp' && e.type !== 'KEEPALIVE',
  );
  const first = bgp.findIndex((e) => e.type === 'ROUTE-REFRESH');
  if (first < 0) return [];
  const lines = bgp.slice(first).map((e) => `${e.direction} ${e.summary}`);
  const eorr = lines.findIndex((l) => l.startsWith('sent ROUTE-REFRESH') && l.endsWith('EoRR'));
  return eorr < 0 ? lines : lines.slice(0, eorr + 1);
}

/** RFC 7313 4: request in; BoRR, the IPv4 route only, EoRR out. */
export const EXPECTED_REFRESH = [
  'received ROUTE-REFRESH 1/1 request',
  'sent ROUTE-REFRESH 1/1 BoRR',
  'sent UPDATE 1 announced',
  'sent ROUTE-REFRESH 1/1 EoRR',
];
