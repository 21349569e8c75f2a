/**
 * Hand-built BGP and BFD messages for the pcap tests, annotated field by field, so these
 * tests do not depend on the codec (RFC 4271 4.1-4.5, RFC 5880 4.1).
 */

const MARKER = 'ffffffffffffffffffffffffffffffff';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

/** RFC 4271 4.4: header only, length 19, type 4. */
export const KEEPALIVE = hex(`${MARKER} 0013 04`);

/** RFC 4271 4.2: version 4, AS 64501, hold 90, BGP ID 198.18.0.101, no optional parameters. */
export const OPEN = hex(`${MARKER} 001d 01  04 fbf5 005a c6120065 00`);

/** RFC 4271 4.5 + RFC 9384: NOTIFICATION Cease (6) / BFD Down (10), no data. */
export const NOTIFICATION_BFD_DOWN = hex(`${MARKER} 0015 03  06 0a`);

/** Concatenates annotated rows of hex: [bytes, what they are]. */
function annotated(rows: [string, string][]): Buffer {
  return hex(rows.map(([bytes]) => bytes).join(''));
}

/** RFC 4271 4.3: an UPDATE announcing 192.168.122.210/32 from AS 64501. */
export const UPDATE_ONE_PREFIX = annotated([
  [MARKER, 'marker'],
  ['002e', 'length 46'],
  ['02', 'type UPDATE'],
  ['0000', 'withdrawn routes length 0'],
  ['0012', 'total path attribute length 18'],
  ['40 01 01 00', 'ORIGIN IGP'],
  ['40 02 04 02 01 fbf5', 'AS_PATH AS_SEQUENCE [64501]'],
  ['40 03 04 c6120065', 'NEXT_HOP 198.18.0.101'],
  ['20 c0a87ad2', 'NLRI 192.168.122.210/32'],
]);

/** An UPDATE withdrawing `count` /32 prefixes 192.168.x.y: large enough to span segments. */
export function updateWithdrawing(count: number): Buffer {
  const withdrawn = Buffer.alloc(count * 5);
  for (let i = 0; i < count; i++) {
    withdrawn[i * 5] = 32;
    withdrawn.set([192, 168, (i >> 8) & 0xff, i & 0xff], i * 5 + 1);
  }
  const len = 19 + 2 + withdrawn.length + 2;
  const head = Buffer.alloc(21);
  head.fill(0xff, 0, 16);
  head.writeUInt16BE(len, 16);
  head[18] = 2;
  head.writeUInt16BE(withdrawn.length, 19);
  return Buffer.concat([head, withdrawn, Buffer.from([0, 0])]);
}

/**
 * RFC 5880 4.1: version 1, diag 0, state Up (3), flags 0, detect mult 3, length 24,
 * my discriminator 1, your discriminator 2, desired min TX 300000us, required min RX
 * 300000us, required min echo RX 50000us.
 */
export const BFD_UP = hex('20 c0 03 18  00000001 00000002 000493e0 000493e0 0000c350');
