/**
 * Error rows: each malformed input pins the error code, the NOTIFICATION code/subcode (and data
 * where RFC 4271 6 prescribes it) and the RFC 7606 handling.
 */
import { describe, expect, it } from 'vitest';
import {
  BgpEncodeError,
  BgpWireError,
  encodeMessage,
  DEFAULT_CONTEXT,
  decodeMessage,
  notificationFor,
  validateOpen,
} from '../../../src/bgp/wire/index.js';
import type { CodecContext, ErrorHandling, OpenMessage } from '../../../src/bgp/wire/index.js';
import { bytes, message } from './support/hex.js';

const FOUR: CodecContext = { fourOctetAs: true, extendedMessage: false };
const EXT: CodecContext = { fourOctetAs: true, extendedMessage: true };

/** An UPDATE body with computed length fields. */
function update(attrs: string, nlri = '20 c6120005 // 198.18.0.5/32', withdrawn = ''): Buffer {
  const w = bytes(withdrawn);
  const a = bytes(attrs);
  const n = bytes(nlri);
  const lw = Buffer.alloc(2);
  lw.writeUInt16BE(w.length);
  const la = Buffer.alloc(2);
  la.writeUInt16BE(a.length);
  return message(2, Buffer.concat([lw, w, la, a, n]).toString('hex'));
}

/** Valid ORIGIN, AS_PATH (4-octet 65000) and NEXT_HOP. */
const ORIGIN = '40 01 01 00';
const AS_PATH = '40 02 06 02 01 0000fde8';
const NEXT_HOP = '40 03 04 c6120001';
const BASE = `${ORIGIN} ${AS_PATH} ${NEXT_HOP}`;

/** An OPEN with the given optional parameters (length computed). */
function open(params: string, head = '04 fde8 005a 0a000001'): Buffer {
  const p = bytes(params);
  return message(1, head + (p.length & 0xff).toString(16).padStart(2, '0') + p.toString('hex'));
}

function header(length: number, type: number, total = length): Buffer {
  const b = Buffer.alloc(Math.max(total, 19), 0);
  b.fill(0xff, 0, 16);
  b.writeUInt16BE(length, 16);
  b[18] = type;
  return b;
}

interface Row {
  name: string;
  input: Buffer;
  ctx?: CodecContext;
  code: string;
  notify: [number, number];
  /** Expected NOTIFICATION data, hex; omitted when RFC 4271 prescribes none worth pinning. */
  data?: string;
  handling: ErrorHandling;
  /** The NOTIFICATION must be sent (false for errors found in a received NOTIFICATION). */
  send?: boolean;
}

const fatal: Row[] = [
  // Message header (RFC 4271 6.1)
  {
    name: 'marker not all ones',
    input: Buffer.concat([Buffer.alloc(16, 0), bytes('0013 04')]),
    code: 'ERR_BGP_MARKER',
    notify: [1, 1],
    handling: 'session-reset',
  },
  {
    name: 'length field below 19',
    input: header(18, 4, 19),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '0012',
    handling: 'session-reset',
  },
  {
    name: 'length field above 4096',
    input: header(4097, 2, 4097),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '1001',
    handling: 'session-reset',
  },
  {
    name: 'length field disagrees with the buffer',
    input: header(30, 4, 19),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '001e',
    handling: 'session-reset',
  },
  {
    name: 'buffer shorter than a header',
    input: Buffer.alloc(10, 0xff),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    handling: 'session-reset',
  },
  {
    name: 'unknown message type 6',
    input: header(19, 6),
    code: 'ERR_BGP_MESSAGE_TYPE',
    notify: [1, 3],
    data: '06',
    handling: 'session-reset',
  },
  {
    name: 'message type 0',
    input: header(19, 0),
    code: 'ERR_BGP_MESSAGE_TYPE',
    notify: [1, 3],
    data: '00',
    handling: 'session-reset',
  },
  {
    name: 'KEEPALIVE of 20 octets',
    input: header(20, 4),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '0014',
    handling: 'session-reset',
  },
  {
    name: 'OPEN shorter than 29',
    input: header(28, 1),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '001c',
    handling: 'session-reset',
  },
  {
    name: 'UPDATE shorter than 23',
    input: header(22, 2),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '0016',
    handling: 'session-reset',
  },
  {
    name: 'UPDATE of 19 octets (tcpdump bgp-infinite-loop)',
    input: header(19, 2),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '0013',
    handling: 'session-reset',
  },
  {
    name: 'NOTIFICATION shorter than 21',
    input: header(20, 3),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '0014',
    handling: 'session-reset',
  },
  {
    name: 'ROUTE-REFRESH shorter than 23',
    input: header(22, 5),
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '0016',
    handling: 'session-reset',
  },
  {
    name: 'OPEN over 4096 even with extended messages (RFC 8654 4)',
    input: header(5000, 1),
    ctx: EXT,
    code: 'ERR_BGP_MESSAGE_LENGTH',
    notify: [1, 2],
    data: '1388',
    handling: 'session-reset',
  },
  // OPEN (RFC 4271 6.2)
  {
    name: 'version 3',
    input: open('', '03 fde8 005a 0a000001'),
    code: 'ERR_BGP_OPEN_VERSION',
    notify: [2, 1],
    data: '0004',
    handling: 'session-reset',
  },
  {
    name: 'My AS 0 (RFC 7607)',
    input: open('', '04 0000 005a 0a000001'),
    code: 'ERR_BGP_PEER_AS',
    notify: [2, 2],
    handling: 'session-reset',
  },
  {
    name: 'hold time 1',
    input: open('', '04 fde8 0001 0a000001'),
    code: 'ERR_BGP_HOLD_TIME',
    notify: [2, 6],
    handling: 'session-reset',
  },
  {
    name: 'hold time 2',
    input: open('', '04 fde8 0002 0a000001'),
    code: 'ERR_BGP_HOLD_TIME',
    notify: [2, 6],
    handling: 'session-reset',
  },
  {
    name: 'BGP Identifier 0 (RFC 6286)',
    input: open('', '04 fde8 005a 00000000'),
    code: 'ERR_BGP_IDENTIFIER',
    notify: [2, 3],
    handling: 'session-reset',
  },
  {
    name: 'optional parameters length too long',
    input: message(1, '04 fde8 005a 0a000001 05 0200'),
    code: 'ERR_BGP_OPEN_MALFORMED',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'optional parameter runs past the message',
    input: open('02 09 41 04 0000fde8'),
    code: 'ERR_BGP_OPEN_MALFORMED',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'optional parameter header truncated',
    input: open('02'),
    code: 'ERR_BGP_OPEN_MALFORMED',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'capability header truncated in its parameter',
    input: open('02 01 41'),
    code: 'ERR_BGP_OPEN_MALFORMED',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'multiprotocol capability of 3 octets',
    input: open('02 05 01 03 000100'),
    code: 'ERR_BGP_CAPABILITY_LENGTH',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: '4-octet AS capability of 2 octets',
    input: open('02 04 41 02 fde8'),
    code: 'ERR_BGP_CAPABILITY_LENGTH',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'graceful restart capability of 1 octet',
    input: open('02 03 40 01 00'),
    code: 'ERR_BGP_CAPABILITY_LENGTH',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'extended next hop capability of 4 octets (RFC 8950 3: a multiple of 6)',
    input: open('02 06 05 04 0001 0001'),
    code: 'ERR_BGP_CAPABILITY_LENGTH',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'extended next hop capability with no triple',
    input: open('02 02 05 00'),
    code: 'ERR_BGP_CAPABILITY_LENGTH',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'route refresh capability with a value',
    input: open('02 03 02 01 00'),
    code: 'ERR_BGP_CAPABILITY_LENGTH',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'capability longer than its parameter',
    input: open('02 04 41 04 fde8'),
    code: 'ERR_BGP_CAPABILITY_LENGTH',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: 'hostname capability with inconsistent lengths',
    input: open('02 06 49 04 05 6869 00 00'),
    code: 'ERR_BGP_CAPABILITY_LENGTH',
    notify: [2, 0],
    handling: 'session-reset',
  },
  {
    name: '4-octet AS capability carrying AS 0 (RFC 7607)',
    input: open('02 06 41 04 00000000'),
    code: 'ERR_BGP_PEER_AS',
    notify: [2, 2],
    handling: 'session-reset',
  },
  // UPDATE: errors that leave routes unknown (RFC 7606 3(j), 5.3)
  {
    name: 'withdrawn routes length overruns the message',
    input: message(2, '0010 0000'),
    code: 'ERR_BGP_ATTR_LIST',
    notify: [3, 1],
    handling: 'session-reset',
  },
  {
    name: 'total path attribute length overruns the message',
    input: message(2, '0000 0010 400101 00'),
    code: 'ERR_BGP_ATTR_LIST',
    notify: [3, 1],
    handling: 'session-reset',
  },
  {
    name: 'NLRI prefix length 33',
    input: update(BASE, '21 c612000500'),
    code: 'ERR_BGP_NETWORK_FIELD',
    notify: [3, 10],
    handling: 'session-reset',
  },
  {
    name: 'NLRI prefix truncated',
    input: update(BASE, '20 c61200'),
    code: 'ERR_BGP_NETWORK_FIELD',
    notify: [3, 10],
    handling: 'session-reset',
  },
  {
    name: 'withdrawn prefix length 40',
    input: update('', '', '28 c612000500'),
    code: 'ERR_BGP_NETWORK_FIELD',
    notify: [3, 10],
    handling: 'session-reset',
  },
  {
    name: 'MP_REACH_NLRI twice (RFC 7606 3(g))',
    input: update(`80 0e 05 0002 01 00 00 80 0e 05 0002 01 00 00 ${ORIGIN} ${AS_PATH}`, ''),
    code: 'ERR_BGP_ATTR_LIST',
    notify: [3, 1],
    handling: 'session-reset',
  },
  {
    name: 'unrecognized well-known attribute 99',
    input: update(`${BASE} 40 63 01 00`),
    code: 'ERR_BGP_ATTR_UNRECOGNIZED_WELL_KNOWN',
    notify: [3, 2],
    data: '40630100',
    handling: 'session-reset',
  },
  {
    name: 'MP_REACH_NLRI shorter than 5 octets',
    input: update('80 0e 03 000201', ''),
    code: 'ERR_BGP_OPTIONAL_ATTR',
    notify: [3, 9],
    data: '800e03000201',
    handling: 'session-reset',
  },
  {
    name: 'MP_REACH_NLRI next hop past the attribute',
    input: update('80 0e 06 0002 01 20 0000', ''),
    code: 'ERR_BGP_OPTIONAL_ATTR',
    notify: [3, 9],
    handling: 'session-reset',
  },
  {
    name: 'MP_REACH_NLRI IPv6 prefix length 129',
    input: update(
      `80 0e 16 0002 01 10 20010db8000000000000000000000001 00 81 00 ${ORIGIN} ${AS_PATH}`,
      '',
    ),
    code: 'ERR_BGP_NETWORK_FIELD',
    notify: [3, 10],
    handling: 'session-reset',
  },
  {
    name: 'MP_UNREACH_NLRI shorter than 3 octets',
    input: update('80 0f 02 0002', ''),
    code: 'ERR_BGP_OPTIONAL_ATTR',
    notify: [3, 9],
    handling: 'session-reset',
  },
  {
    name: 'MP_UNREACH_NLRI with flags of a well-known attribute',
    input: update('40 0f 03 000201', ''),
    code: 'ERR_BGP_ATTR_FLAGS',
    notify: [3, 4],
    data: '400f03000201',
    handling: 'session-reset',
  },
  {
    name: 'ROUTE-REFRESH BoRR of 24 octets (RFC 7313 5)',
    input: message(5, '0001 01 01 00'),
    code: 'ERR_BGP_ROUTE_REFRESH_LENGTH',
    notify: [7, 1],
    data: 'ffffffffffffffffffffffffffffffff0018050001010100',
    handling: 'session-reset',
  },
];

const nonFatal: Row[] = [
  {
    name: 'ORIGIN of 2 octets',
    input: update(`40 01 02 0000 ${AS_PATH} ${NEXT_HOP}`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    data: '4001020000',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'ORIGIN value 3',
    input: update(`40 01 01 03 ${AS_PATH} ${NEXT_HOP}`),
    code: 'ERR_BGP_ORIGIN',
    notify: [3, 6],
    data: '40010103',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'AS_PATH segment type 5',
    input: update(`${ORIGIN} 40 02 06 05 01 0000fde8 ${NEXT_HOP}`),
    code: 'ERR_BGP_AS_PATH',
    notify: [3, 11],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'AS_PATH segment of length 0',
    input: update(`${ORIGIN} 40 02 02 02 00 ${NEXT_HOP}`),
    code: 'ERR_BGP_AS_PATH',
    notify: [3, 11],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'AS_PATH segment overruns the attribute',
    input: update(`${ORIGIN} 40 02 06 02 02 0000fde8 ${NEXT_HOP}`),
    code: 'ERR_BGP_AS_PATH',
    notify: [3, 11],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'AS_PATH with AS 0 (RFC 7607)',
    input: update(`${ORIGIN} 40 02 06 02 01 00000000 ${NEXT_HOP}`),
    code: 'ERR_BGP_AS_PATH',
    notify: [3, 11],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'NEXT_HOP of length 0 (tcpdump bgp-addpath)',
    input: update(`${ORIGIN} ${AS_PATH} 40 03 00`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    data: '400300',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'NEXT_HOP 0.0.0.0',
    input: update(`${ORIGIN} ${AS_PATH} 40 03 04 00000000`),
    code: 'ERR_BGP_NEXT_HOP',
    notify: [3, 8],
    data: '40030400000000',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'NEXT_HOP multicast 224.0.0.1',
    input: update(`${ORIGIN} ${AS_PATH} 40 03 04 e0000001`),
    code: 'ERR_BGP_NEXT_HOP',
    notify: [3, 8],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'MED of 3 octets',
    input: update(`${BASE} 80 04 03 000001`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    data: '800403000001',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'LOCAL_PREF of 5 octets',
    input: update(`${BASE} 40 05 05 0000006400`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'ATOMIC_AGGREGATE of 1 octet (RFC 7606 7.6)',
    input: update(`${BASE} 40 06 01 00`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    data: '40060100',
    handling: 'attribute-discard',
  },
  {
    name: 'AGGREGATOR of 5 octets (RFC 7606 7.7)',
    input: update(`${BASE} c0 07 05 0000fde8 01`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    handling: 'attribute-discard',
  },
  {
    name: 'AGGREGATOR with AS 0 (RFC 7607)',
    input: update(`${BASE} c0 07 08 00000000 c6120001`),
    code: 'ERR_BGP_OPTIONAL_ATTR',
    notify: [3, 9],
    handling: 'attribute-discard',
  },
  {
    name: 'COMMUNITIES of 5 octets (RFC 7606 7.8)',
    input: update(`${BASE} c0 08 05 0000000000`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'ORIGINATOR_ID of 3 octets',
    input: update(`${BASE} 80 09 03 c61200`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'CLUSTER_LIST of 6 octets',
    input: update(`${BASE} 80 0a 06 c6120001 0000`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'EXTENDED_COMMUNITIES of 7 octets',
    input: update(`${BASE} c0 10 07 00020000000000`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'LARGE_COMMUNITIES of 11 octets (RFC 8092 6)',
    input: update(`${BASE} c0 20 0b 0000000100000002000000`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'ORIGIN missing',
    input: update(`${AS_PATH} ${NEXT_HOP}`),
    code: 'ERR_BGP_ATTR_MISSING',
    notify: [3, 3],
    data: '01',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'AS_PATH missing',
    input: update(`${ORIGIN} ${NEXT_HOP}`),
    code: 'ERR_BGP_ATTR_MISSING',
    notify: [3, 3],
    data: '02',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'NEXT_HOP missing with IPv4 NLRI',
    input: update(`${ORIGIN} ${AS_PATH}`),
    code: 'ERR_BGP_ATTR_MISSING',
    notify: [3, 3],
    data: '03',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'ORIGIN flagged optional',
    input: update(`c0 01 01 00 ${AS_PATH} ${NEXT_HOP}`),
    code: 'ERR_BGP_ATTR_FLAGS',
    notify: [3, 4],
    data: 'c0010100',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'NEXT_HOP well-known with Partial set',
    input: update(`${ORIGIN} ${AS_PATH} 60 03 04 c6120001`),
    code: 'ERR_BGP_ATTR_FLAGS',
    notify: [3, 4],
    data: '600304c6120001',
    handling: 'treat-as-withdraw',
  },
  {
    name: 'COMMUNITIES flagged non-transitive',
    input: update(`${BASE} 80 08 04 fde80064`),
    code: 'ERR_BGP_ATTR_FLAGS',
    notify: [3, 4],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'ORIGIN twice (RFC 7606 3(g))',
    input: update(`${BASE} 40 01 01 02`),
    code: 'ERR_BGP_ATTR_DUPLICATE',
    notify: [3, 1],
    handling: 'attribute-discard',
  },
  {
    name: 'attribute header truncated (RFC 7606 4)',
    input: update(`${BASE} 40 05`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'attribute runs past the attribute list (RFC 7606 4)',
    input: update(`${BASE} 40 05 08 00000064`),
    code: 'ERR_BGP_ATTR_LENGTH',
    notify: [3, 5],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'AS4_PATH on a 4-octet session (RFC 6793 4.1)',
    input: update(`${BASE} c0 11 06 02 01 0000fde8`),
    code: 'ERR_BGP_AS4_ATTR',
    notify: [3, 9],
    handling: 'attribute-discard',
  },
  {
    name: 'malformed AS4_PATH on a 2-octet session (RFC 6793 6)',
    input: update(`${ORIGIN} 40 02 04 02 01 fde8 ${NEXT_HOP} c0 11 04 02 01 0000`),
    ctx: DEFAULT_CONTEXT,
    code: 'ERR_BGP_AS4_ATTR',
    notify: [3, 9],
    handling: 'attribute-discard',
  },
  {
    name: 'AS4_AGGREGATOR of 6 octets',
    input: update(`${ORIGIN} 40 02 04 02 01 fde8 ${NEXT_HOP} c0 12 06 0000fde8 0000`),
    ctx: DEFAULT_CONTEXT,
    code: 'ERR_BGP_AS4_ATTR',
    notify: [3, 9],
    handling: 'attribute-discard',
  },
  {
    name: 'MP_REACH_NLRI IPv6 with a 5-octet next hop (RFC 7606 7.11)',
    input: update(`80 0e 0f 0002 01 05 0000000000 00 20 20010db8 ${ORIGIN} ${AS_PATH}`, ''),
    code: 'ERR_BGP_OPTIONAL_ATTR',
    notify: [3, 9],
    handling: 'treat-as-withdraw',
  },
  {
    name: 'shutdown communication longer than the data (RFC 9003 2)',
    input: message(3, '06 04 0a 3031'),
    code: 'ERR_BGP_SHUTDOWN_COMMUNICATION',
    notify: [6, 4],
    handling: 'session-reset',
    send: false,
  },
  {
    name: 'shutdown communication not UTF-8',
    input: message(3, '06 02 02 c328'),
    code: 'ERR_BGP_SHUTDOWN_COMMUNICATION',
    notify: [6, 2],
    handling: 'session-reset',
    send: false,
  },
  {
    name: 'Hard Reset with no inner error (tcpdump bgp-malformed-hard-reset)',
    input: message(3, '06 09'),
    code: 'ERR_BGP_HARD_RESET_DATA',
    notify: [6, 9],
    handling: 'session-reset',
    send: false,
  },
];

function check(err: BgpWireError, row: Row): void {
  expect(err).toBeInstanceOf(BgpWireError);
  expect(err.code).toBe(row.code);
  expect([err.notifyCode, err.notifySubcode]).toEqual(row.notify);
  expect(err.handling).toBe(row.handling);
  expect(err.sendNotification).toBe(row.send ?? row.handling === 'session-reset');
  const n = notificationFor(err);
  expect([n.type, n.code, n.subcode]).toEqual(['NOTIFICATION', ...row.notify]);
  if (row.data !== undefined) expect(n.data.toString('hex')).toBe(row.data);
}

describe('malformed input that ends the session', () => {
  for (const row of fatal) {
    it(row.name, () => {
      const r = decodeMessage(row.input, row.ctx ?? FOUR);
      expect(r.ok).toBe(false);
      if (!r.ok) check(r.error, row);
    });
  }
});

describe('malformed input that keeps the session (RFC 7606)', () => {
  for (const row of nonFatal) {
    it(row.name, () => {
      const r = decodeMessage(row.input, row.ctx ?? FOUR);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const err = r.errors.find((e) => e.code === row.code);
      expect(err, `errors: ${r.errors.map((e) => e.code).join(',')}`).toBeDefined();
      check(err!, row);
      const taw = r.errors.some((e) => e.handling === 'treat-as-withdraw');
      expect(r.treatAsWithdraw).toBe(taw);
      if (r.message.type === 'UPDATE' && taw) {
        // Treat-as-withdraw lists every announced route for withdrawal.
        const announced = r.message.nlri.length + (r.message.attributes.mpReach?.nlri.length ?? 0);
        expect(r.withdrawnByError.reduce((n, f) => n + f.nlri.length, 0)).toBe(announced);
        expect(announced).toBeGreaterThan(0);
      }
    });
  }

  it('attribute-discard drops only the attribute', () => {
    const r = decodeMessage(update(`${BASE} 40 06 01 00`), FOUR);
    if (!r.ok) throw r.error;
    expect(r.treatAsWithdraw).toBe(false);
    expect(r.message.type === 'UPDATE' && r.message.attributes.atomicAggregate).toBeFalsy();
    expect(r.message.type === 'UPDATE' && r.message.nlri).toEqual([{ prefix: '198.18.0.5/32' }]);
  });

  it('a duplicate keeps the first occurrence', () => {
    const r = decodeMessage(update(`${BASE} 40 01 01 02`), FOUR);
    if (!r.ok) throw r.error;
    expect(r.message.type === 'UPDATE' && r.message.attributes.origin).toBe(0);
  });

  it('an UPDATE without NLRI needs no mandatory attributes', () => {
    const r = decodeMessage(update('', '', '20 c6120005'), FOUR);
    if (!r.ok) throw r.error;
    expect(r.errors).toEqual([]);
  });
});

describe('validateOpen', () => {
  const base: OpenMessage = {
    type: 'OPEN',
    version: 4,
    myAsn: 23456,
    holdTime: 90,
    bgpId: '10.0.0.1',
    capabilities: [
      { kind: 'four-octet-as', asn: 4200000000 },
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'role', role: 4 },
    ],
  };
  const cases: {
    name: string;
    open: OpenMessage;
    expect: Parameters<typeof validateOpen>[1];
    code: string | null;
    notify?: [number, number];
    data?: string;
  }[] = [
    {
      name: 'accepts the expected peer',
      open: base,
      expect: { peerAsn: 4200000000, localRole: 4 },
      code: null,
    },
    {
      name: 'bad peer AS uses the 4-octet AS',
      open: base,
      expect: { peerAsn: 23456 },
      code: 'ERR_BGP_PEER_AS',
      notify: [2, 2],
    },
    {
      name: 'hold time below the local minimum',
      open: base,
      expect: { minHoldTime: 180 },
      code: 'ERR_BGP_HOLD_TIME',
      notify: [2, 6],
    },
    {
      name: 'hold time 0 is always acceptable',
      open: { ...base, holdTime: 0 },
      expect: { minHoldTime: 180 },
      code: null,
    },
    {
      name: 'our own BGP Identifier',
      open: base,
      expect: { localBgpId: '10.0.0.1' },
      code: 'ERR_BGP_IDENTIFIER',
      notify: [2, 3],
    },
    {
      name: 'a required capability is missing (data lists it)',
      open: base,
      expect: { requiredCapabilities: [{ kind: 'multiprotocol', afi: 2, safi: 1 }] },
      code: 'ERR_BGP_UNSUPPORTED_CAPABILITY',
      notify: [2, 7],
      data: '010400020001',
    },
    {
      name: 'role pair that does not fit (RFC 9234)',
      open: base,
      expect: { localRole: 0 },
      code: 'ERR_BGP_ROLE_MISMATCH',
      notify: [2, 11],
    },
    {
      name: 'strict role and none sent',
      open: { ...base, capabilities: [] },
      expect: { localRole: 0, strictRole: true },
      code: 'ERR_BGP_ROLE_MISMATCH',
      notify: [2, 11],
    },
    {
      name: 'an optional parameter that is not capabilities',
      open: { ...base, otherParameters: [{ type: 1, value: Buffer.from([0]) }] },
      expect: {},
      code: 'ERR_BGP_OPTIONAL_PARAMETER',
      notify: [2, 4],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = validateOpen(c.open, c.expect);
      if (c.code === null) {
        expect(err).toBeNull();
        return;
      }
      expect(err?.code).toBe(c.code);
      expect([err?.notifyCode, err?.notifySubcode]).toEqual(c.notify);
      expect(err?.handling).toBe('session-reset');
      if (c.data) expect(err?.data.toString('hex')).toBe(c.data);
    });
  }
});

it('has at least 40 error rows', () => {
  expect(fatal.length + nonFatal.length).toBeGreaterThanOrEqual(40);
});

describe('encoding refuses values that cannot go on the wire', () => {
  const four: CodecContext = { fourOctetAs: true, extendedMessage: false };
  const update = (attributes: object, nlri = [{ prefix: '198.18.0.1/32' }]) =>
    ({ type: 'UPDATE', withdrawn: [], attributes, nlri }) as never;
  const rows: { name: string; run: () => unknown; code: string }[] = [
    {
      name: 'prefix without a length',
      run: () => encodeMessage(update({}, [{ prefix: '198.18.0.1' }]), four),
      code: 'ERR_BGP_ENCODE_VALUE',
    },
    {
      name: 'prefix length 33',
      run: () => encodeMessage(update({}, [{ prefix: '198.18.0.1/33' }]), four),
      code: 'ERR_BGP_ENCODE_VALUE',
    },
    {
      name: 'IPv6 text in the IPv4 NLRI field',
      run: () => encodeMessage(update({}, [{ prefix: '2001:db8::/32' }]), four),
      code: 'ERR_BGP_ENCODE_VALUE',
    },
    {
      name: 'octet with a leading zero',
      run: () => encodeMessage(update({}, [{ prefix: '198.018.0.1/32' }]), four),
      code: 'ERR_BGP_ENCODE_VALUE',
    },
    {
      name: 'NEXT_HOP that is not a dotted quad',
      run: () => encodeMessage(update({ nextHop: 'fe80::1' }), four),
      code: 'ERR_BGP_ENCODE_VALUE',
    },
    {
      name: 'ASN over 32 bits',
      run: () =>
        encodeMessage(update({ asPath: [{ type: 'AS_SEQUENCE', asns: [2 ** 32] }] }), four),
      code: 'ERR_BGP_ENCODE_VALUE',
    },
    {
      name: 'My AS over 16 bits',
      run: () =>
        encodeMessage(
          {
            type: 'OPEN',
            version: 4,
            myAsn: 70000,
            holdTime: 90,
            bgpId: '10.0.0.1',
            capabilities: [],
          },
          four,
        ),
      code: 'ERR_BGP_ENCODE_VALUE',
    },
    {
      name: 'UPDATE over 4096 octets',
      run: () =>
        encodeMessage(
          update(
            { origin: 0, asPath: [], nextHop: '10.0.0.1' },
            Array.from({ length: 1000 }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 255}.1/32` })),
          ),
          four,
        ),
      code: 'ERR_BGP_ENCODE_TOO_LONG',
    },
    {
      name: 'shutdown communication over 255 octets',
      run: () =>
        encodeMessage(
          {
            type: 'NOTIFICATION',
            code: 6,
            subcode: 2,
            data: Buffer.alloc(0),
            shutdownCommunication: 'x'.repeat(256),
          },
          four,
        ),
      code: 'ERR_BGP_ENCODE_VALUE',
    },
    {
      name: 'EoRR with ORF entries',
      run: () =>
        encodeMessage(
          { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 2, orf: Buffer.from([1]) },
          four,
        ),
      code: 'ERR_BGP_ENCODE_VALUE',
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      let caught: unknown;
      try {
        row.run();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(BgpEncodeError);
      expect((caught as BgpEncodeError).code).toBe(row.code);
    });
  }
});
