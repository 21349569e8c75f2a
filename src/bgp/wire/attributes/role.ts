/**
 * ONLY_TO_CUSTOMER (RFC 9234 5): optional transitive, the 4-octet AS that marked the route.
 * The codec reads and writes it; the role-based ingress and egress rules (RFC 9234 5) belong
 * to the policy layer above.
 */
import { AttrType } from '../types.js';
import { OPTIONAL_TRANSITIVE, u32, type AttributeDescriptor } from './descriptor.js';

export const ONLY_TO_CUSTOMER: AttributeDescriptor = {
  type: AttrType.ONLY_TO_CUSTOMER,
  name: 'ONLY_TO_CUSTOMER',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 9234 5: a length other than 4 is malformed, handled as treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode(input, attrs) {
    if (input.len !== 4) input.lengthError();
    else attrs.onlyToCustomer = input.msg.readUInt32BE(input.start);
  },
  encode(attrs, _ctx, add) {
    if (attrs.onlyToCustomer !== undefined)
      add(OPTIONAL_TRANSITIVE, AttrType.ONLY_TO_CUSTOMER, u32(attrs.onlyToCustomer, 'OTC'));
  },
  key: (attrs) => attrs.onlyToCustomer,
};
