/**
 * Attribute flag rules shared by the attribute decoder and encoder: the Optional/Transitive
 * bits each recognized attribute must carry (RFC 4271 5) and the RFC 7606 handling of each
 * attribute when it is malformed.
 */
import { AttrFlag, AttrType } from './types.js';
import type { ErrorHandling } from './errors.js';

export const WELL_KNOWN = AttrFlag.TRANSITIVE; // RFC 4271 5: Optional 0, Transitive 1
export const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
export const OPTIONAL_NON_TRANSITIVE = AttrFlag.OPTIONAL;

/** Expected Optional and Transitive bits of each recognized attribute (RFC 4271 5, 6.3). */
export const EXPECTED_FLAGS: Record<number, number> = {
  [AttrType.ORIGIN]: WELL_KNOWN,
  [AttrType.AS_PATH]: WELL_KNOWN,
  [AttrType.NEXT_HOP]: WELL_KNOWN,
  [AttrType.MULTI_EXIT_DISC]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.LOCAL_PREF]: WELL_KNOWN,
  [AttrType.ATOMIC_AGGREGATE]: WELL_KNOWN,
  [AttrType.AGGREGATOR]: OPTIONAL_TRANSITIVE,
  [AttrType.COMMUNITIES]: OPTIONAL_TRANSITIVE,
  [AttrType.ORIGINATOR_ID]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.CLUSTER_LIST]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.MP_REACH_NLRI]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.MP_UNREACH_NLRI]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.EXTENDED_COMMUNITIES]: OPTIONAL_TRANSITIVE,
  [AttrType.AS4_PATH]: OPTIONAL_TRANSITIVE,
  [AttrType.AS4_AGGREGATOR]: OPTIONAL_TRANSITIVE,
  [AttrType.LARGE_COMMUNITIES]: OPTIONAL_TRANSITIVE,
};

/** RFC 7606 7.x: what a malformed instance of each recognized attribute leads to. */
export function malformedHandling(type: number): ErrorHandling {
  switch (type) {
    case AttrType.MP_REACH_NLRI:
    case AttrType.MP_UNREACH_NLRI:
      return 'session-reset'; // RFC 7606 7.11 (AFI/SAFI disable being the alternative)
    case AttrType.ATOMIC_AGGREGATE: // RFC 7606 7.6
    case AttrType.AGGREGATOR: // RFC 7606 7.7
    case AttrType.AS4_PATH: // RFC 6793 6, RFC 7606 7.12
    case AttrType.AS4_AGGREGATOR:
      return 'attribute-discard';
    default:
      return 'treat-as-withdraw'; // RFC 7606 7.1-7.5, 7.8-7.10, 7.14; RFC 8092 6
  }
}
