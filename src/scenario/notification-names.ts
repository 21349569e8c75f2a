/**
 * Names for BGP NOTIFICATION error codes and subcodes, as scenario files write them
 * (`cease/bfd-down`, `hold-timer-expired`), over the codec's code table (IANA "BGP Error
 * (Notification) Codes" and subcode registries).
 */

import {
  CeaseSubcode,
  ErrorCode,
  FsmErrorSubcode,
  HeaderErrorSubcode,
  OpenErrorSubcode,
  RouteRefreshErrorSubcode,
  UpdateErrorSubcode,
} from '../bgp/wire/index.js';

interface CodeEntry {
  code: number;
  subcodes: Record<string, number>;
}

// The numbers come from the codec's NOTIFICATION code table; only the spellings are here.
const CODES: Record<string, CodeEntry> = {
  // RFC 4271 6.1
  'message-header-error': {
    code: ErrorCode.MESSAGE_HEADER,
    subcodes: {
      'connection-not-synchronized': HeaderErrorSubcode.CONNECTION_NOT_SYNCHRONIZED,
      'bad-message-length': HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
      'bad-message-type': HeaderErrorSubcode.BAD_MESSAGE_TYPE,
    },
  },
  // RFC 4271 6.2, RFC 5492 (7), RFC 9234 (11)
  'open-message-error': {
    code: ErrorCode.OPEN_MESSAGE,
    subcodes: {
      'unsupported-version-number': OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER,
      'bad-peer-as': OpenErrorSubcode.BAD_PEER_AS,
      'bad-bgp-identifier': OpenErrorSubcode.BAD_BGP_IDENTIFIER,
      'unsupported-optional-parameter': OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER,
      'unacceptable-hold-time': OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME,
      'unsupported-capability': OpenErrorSubcode.UNSUPPORTED_CAPABILITY,
      'role-mismatch': OpenErrorSubcode.ROLE_MISMATCH,
    },
  },
  // RFC 4271 6.3
  'update-message-error': {
    code: ErrorCode.UPDATE_MESSAGE,
    subcodes: {
      'malformed-attribute-list': UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
      'unrecognized-well-known-attribute': UpdateErrorSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
      'missing-well-known-attribute': UpdateErrorSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
      'attribute-flags-error': UpdateErrorSubcode.ATTRIBUTE_FLAGS_ERROR,
      'attribute-length-error': UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
      'invalid-origin-attribute': UpdateErrorSubcode.INVALID_ORIGIN,
      'invalid-next-hop-attribute': UpdateErrorSubcode.INVALID_NEXT_HOP,
      'optional-attribute-error': UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR,
      'invalid-network-field': UpdateErrorSubcode.INVALID_NETWORK_FIELD,
      'malformed-as-path': UpdateErrorSubcode.MALFORMED_AS_PATH,
    },
  },
  // RFC 4271 6.5
  'hold-timer-expired': { code: ErrorCode.HOLD_TIMER_EXPIRED, subcodes: {} },
  // RFC 4271 6.6, RFC 6608 subcodes
  'fsm-error': {
    code: ErrorCode.FSM,
    subcodes: {
      'unexpected-message-in-opensent': FsmErrorSubcode.OPEN_SENT,
      'unexpected-message-in-openconfirm': FsmErrorSubcode.OPEN_CONFIRM,
      'unexpected-message-in-established': FsmErrorSubcode.ESTABLISHED,
    },
  },
  // RFC 4486, RFC 8538 (9), RFC 9384 (10)
  cease: {
    code: ErrorCode.CEASE,
    subcodes: {
      'maximum-number-of-prefixes-reached': CeaseSubcode.MAX_PREFIXES,
      'administrative-shutdown': CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
      'peer-de-configured': CeaseSubcode.PEER_DECONFIGURED,
      'administrative-reset': CeaseSubcode.ADMINISTRATIVE_RESET,
      'connection-rejected': CeaseSubcode.CONNECTION_REJECTED,
      'other-configuration-change': CeaseSubcode.OTHER_CONFIGURATION_CHANGE,
      'connection-collision-resolution': CeaseSubcode.CONNECTION_COLLISION_RESOLUTION,
      'out-of-resources': CeaseSubcode.OUT_OF_RESOURCES,
      'hard-reset': CeaseSubcode.HARD_RESET,
      'bfd-down': CeaseSubcode.BFD_DOWN,
    },
  },
  // RFC 7313 5
  'route-refresh-message-error': {
    code: ErrorCode.ROUTE_REFRESH,
    subcodes: { 'invalid-message-length': RouteRefreshErrorSubcode.INVALID_MESSAGE_LENGTH },
  },
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
