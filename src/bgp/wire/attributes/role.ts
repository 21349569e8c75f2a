/**
 * ONLY_TO_CUSTOMER (RFC 9234 5): optional transitive, the 4-octet AS that marked the route.
 * The codec reads and writes it; the role-based ingress and egress rules (RFC 9234 5) belong
 * to the policy layer above.
 */
import { AttrType } from '../types.js';
import { OPTIONAL_TRANSITIVE, u32Attribute } from './descriptor.js';

// RFC 9234 5: a length other than 4 is malformed, handled as treat-as-withdraw.
export const ONLY_TO_CUSTOMER = u32Attribute(
  AttrType.ONLY_TO_CUSTOMER,
  'ONLY_TO_CUSTOMER',
  OPTIONAL_TRANSITIVE,
  'onlyToCustomer',
);
