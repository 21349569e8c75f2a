import { SpeakersimError } from '../../core/errors.js';

/** A frame that is not the Ethernet, ARP or ICMPv6 neighbor discovery message it claims to be. */
export class L2DecodeError extends SpeakersimError {
  constructor(
    code:
      | 'ERR_L2_FRAME_SHORT'
      | 'ERR_L2_ARP_FORMAT'
      | 'ERR_L2_IPV6_FORMAT'
      | 'ERR_L2_ICMPV6_CHECKSUM'
      | 'ERR_L2_NDP_FORMAT'
      | 'ERR_L2_ADDRESS_INVALID',
    message: string,
  ) {
    super(code, message);
  }
}
