/**
 * Replay table for the fuzz test. `context` indexes the fuzzer's CONTEXTS (0: 2-octet AS,
 * 1: 4-octet AS, 2: 4-octet AS + extended messages + ADD-PATH).
 *
 * The seeded fuzzer has not found a crasher in this codec so far (100,000 inputs in the test,
 * 750,000 more with other seeds by hand). The rows below are inputs of the kinds that crashed
 * or hung other BGP decoders (tcpdump's CVE captures, the "infinite loop" capture), kept here
 * so that they are replayed on every run; add any crasher the fuzzer reports below them.
 */
const M = 'ffffffffffffffffffffffffffffffff';

export const CRASHERS: { context: number; hex: string; note: string; code: string }[] = [
  {
    context: 0,
    hex: `${M}001302`,
    code: 'ERR_BGP_MESSAGE_LENGTH',
    note: 'UPDATE of 19 octets (tcpdump bgp-infinite-loop)',
  },
  {
    context: 1,
    hex: `${M}002002 0000 0009 40 02 06 02 ff 0000fde8`.replace(/ /g, ''),
    code: 'ERR_BGP_AS_PATH',
    note: 'AS_PATH segment count 255 overrunning the attribute (CVE-2017-12991 kind)',
  },
  {
    context: 1,
    hex: `${M}001c02 0000 0005 50 1a ffff 00`.replace(/ /g, ''),
    code: 'ERR_BGP_ATTR_LENGTH',
    note: 'extended length 65535 past the attribute list',
  },
  {
    context: 2,
    hex: `${M}001f02 0000 0008 80 0e 05 0002 01 ff 00`.replace(/ /g, ''),
    code: 'ERR_BGP_OPTIONAL_ATTR',
    note: 'MP_REACH next hop length 255 past the attribute (CVE-2017-13046 kind)',
  },
  {
    context: 2,
    hex: `${M}002002 0000 0009 80 0e 06 0001 01 00 00 ff`.replace(/ /g, ''),
    code: 'ERR_BGP_NETWORK_FIELD',
    note: 'MP_REACH prefix length 255',
  },
  {
    context: 0,
    hex: `${M}002301 04 fde8 005a 0a000001 06 02 04 40 01 00 00`.replace(/ /g, ''),
    code: 'ERR_BGP_CAPABILITY_LENGTH',
    note: 'graceful restart capability of 1 octet (tcpdump capabilities oobr)',
  },
  {
    context: 1,
    hex: `${M}001603 06 09 04`.replace(/ /g, ''),
    code: 'ERR_BGP_HARD_RESET_DATA',
    note: 'Hard Reset with a 1-octet inner error',
  },
];
