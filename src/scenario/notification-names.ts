/**
 * Names for BGP NOTIFICATION error codes and subcodes, as scenario files write them
 * (`cease/bfd-down`, `hold-timer-expired`). Numbers from the IANA "BGP Error (Notification)
 * Codes" and subcode registries.
 */

interface CodeEntry {
  code: number;
  subcodes: Record<string, number>;
}

// RFC 4271 4.5: error codes 1-6; RFC 7313 adds 7 (ROUTE-REFRESH Message Error).
const CODES: Record<string, CodeEntry> = {
  // RFC 4271 6.1
  'message-header-error': {
    code: 1,
    subcodes: {
      'connection-not-synchronized': 1,
      'bad-message-length': 2,
      'bad-message-type': 3,
    },
  },
  // RFC 4271 6.2, RFC 5492 (7), RFC 9234 (11)
  'open-message-error': {
    code: 2,
    subcodes: {
      'unsupported-version-number': 1,
      'bad-peer-as': 2,
      'bad-bgp-identifier': 3,
      'unsupported-optional-parameter': 4,
      'unacceptable-hold-time': 6,
      'unsupported-capability': 7,
      'role-mismatch': 11,
    },
  },
  // RFC 4271 6.3
  'update-message-error': {
    code: 3,
    subcodes: {
      'malformed-attribute-list': 1,
      'unrecognized-well-known-attribute': 2,
      'missing-well-known-attribute': 3,
      'attribute-flags-error': 4,
      'attribute-length-error': 5,
      'invalid-origin-attribute': 6,
      'invalid-next-hop-attribute': 8,
      'optional-attribute-error': 9,
      'invalid-network-field': 10,
      'malformed-as-path': 11,
    },
  },
  // RFC 4271 6.5
  'hold-timer-expired': { code: 4, subcodes: {} },
  // RFC 4271 6.6, RFC 6608 subcodes
  'fsm-error': {
    code: 5,
    subcodes: {
      'unexpected-message-in-opensent': 1,
      'unexpected-message-in-openconfirm': 2,
      'unexpected-message-in-established': 3,
    },
  },
  // RFC 4486, RFC 8538 (9), RFC 9384 (10)
  cease: {
    code: 6,
    subcodes: {
      'maximum-number-of-prefixes-reached': 1,
      'administrative-shutdown': 2,
      'peer-de-configured': 3,
      'administrative-reset': 4,
      'connection-rejected': 5,
      'other-configuration-change': 6,
      'connection-collision-resolution': 7,
      'out-of-resources': 8,
      'hard-reset': 9,
      'bfd-down': 10,
    },
  },
  // RFC 7313 5
  'route-refresh-message-error': { code: 7, subcodes: { 'invalid-message-length': 1 } },
};

/** `cease/bfd-down` -> {code 6, subcode 10}; `cease` -> {code 6}; unknown -> undefined. */
export function notificationByName(name: string): { code: number; subcode?: number } | undefined {
  const [codeName, subName, extra] = name.trim().toLowerCase().split('/');
  if (extra !== undefined) return undefined;
  const entry = CODES[codeName ?? ''];
  if (!entry) return undefined;
  if (subName === undefined) return { code: entry.code };
  const subcode = entry.subcodes[subName];
  return subcode === undefined ? undefined : { code: entry.code, subcode };
}

/** {6, 10} -> `cease/bfd-down`; unknown numbers print as numbers (`6/99`, `42`). */
export function notificationName(code: number, subcode?: number): string {
  const entry = Object.entries(CODES).find(([, e]) => e.code === code);
  const codeName = entry?.[0] ?? String(code);
  if (subcode === undefined || subcode === 0) return codeName;
  const sub = entry && Object.entries(entry[1].subcodes).find(([, v]) => v === subcode)?.[0];
  return `${codeName}/${sub ?? subcode}`;
}

/** All names, for error messages. */
export function notificationNames(): string[] {
  return Object.entries(CODES).flatMap(([name, e]) => [
    name,
    ...Object.keys(e.subcodes).map((s) => `${name}/${s}`),
  ]);
}
