/** RFC 8203 / RFC 9003 shutdown communication in Cease/2 data: length octet + UTF-8, <= 255. */
import { describe, expect, it } from 'vitest';
import { encodeShutdownCommunication } from '../../../src/bgp/fsm/index.js';

describe('encodeShutdownCommunication', () => {
  it('no text gives empty data', () => {
    expect(encodeShutdownCommunication(undefined).length).toBe(0);
    expect(encodeShutdownCommunication('').length).toBe(0);
  });

  it('short text: length octet then the UTF-8 bytes', () => {
    // "ok é": o k space 0xc3 0xa9 -> 5 octets
    expect(encodeShutdownCommunication('ok é').toString('hex')).toBe('05' + '6f6b20c3a9');
  });

  it('long ASCII is cut to 255 octets (RFC 9003 2)', () => {
    const data = encodeShutdownCommunication('x'.repeat(300));
    expect(data[0]).toBe(255);
    expect(data.length).toBe(256);
  });

  it('never cuts inside a multi-byte character', () => {
    // 254 ASCII octets then a 3-octet character: it cannot fit, so 254 octets remain.
    const data = encodeShutdownCommunication('a'.repeat(254) + '€');
    expect(data[0]).toBe(254);
    expect(data.subarray(1).toString('utf8')).toBe('a'.repeat(254));
    // 100 four-octet characters: 63 fit (252 octets).
    const emoji = encodeShutdownCommunication('🙂'.repeat(100));
    expect(emoji[0]).toBe(252);
    expect(emoji.subarray(1).toString('utf8')).toBe('🙂'.repeat(63));
  });
});
