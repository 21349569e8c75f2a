import { describe, expect, it } from 'vitest';
import {
  BgpFramer,
  DEFAULT_CONTEXT,
  encodeMessage,
  encodeUpdates,
} from '../../../src/bgp/wire/index.js';

const keepalive = encodeMessage({ type: 'KEEPALIVE' }, DEFAULT_CONTEXT);

describe('BgpFramer', () => {
  it('reports a bad marker as soon as the header is complete, after the good messages', () => {
    const framer = new BgpFramer();
    const bad = Buffer.from(keepalive);
    bad[3] = 0;
    const out = framer.push(Buffer.concat([keepalive, bad.subarray(0, 19)]));
    expect(out.messages).toHaveLength(1);
    expect(out.error?.code).toBe('ERR_BGP_MARKER');
    expect([out.error?.notifyCode, out.error?.notifySubcode]).toEqual([1, 1]);
    expect(framer.state).toBe('failed');
    // Failed stays failed: the session must close.
    expect(framer.push(keepalive).error?.code).toBe('ERR_BGP_MARKER');
    expect(framer.push(keepalive).messages).toEqual([]);
  });

  it('refuses a length below 19 without waiting for more bytes (no hang)', () => {
    const framer = new BgpFramer();
    const h = Buffer.from(keepalive);
    h.writeUInt16BE(5, 16);
    const out = framer.push(h);
    expect(out.error?.code).toBe('ERR_BGP_MESSAGE_LENGTH');
    expect(out.error?.data.toString('hex')).toBe('0005');
  });

  it('enforces 4096 until extended messages are negotiated (RFC 8654)', () => {
    const big = encodeUpdates(
      {
        attributes: { origin: 0, asPath: [], nextHop: '198.18.0.1' },
        announce: Array.from({ length: 2000 }, (_, i) => ({
          prefix: `10.${i >> 8}.${i & 255}.0/24`,
        })),
      },
      { fourOctetAs: true, extendedMessage: true },
    );
    expect(big).toHaveLength(1);
    expect(big[0]!.length).toBeGreaterThan(4096);
    const strict = new BgpFramer();
    expect(strict.push(big[0]!.subarray(0, 19)).error?.code).toBe('ERR_BGP_MESSAGE_LENGTH');
    const framer = new BgpFramer();
    framer.setContext({ fourOctetAs: true, extendedMessage: true });
    const out = framer.push(big[0]!);
    expect(out.error).toBeNull();
    expect(out.messages[0]!.equals(big[0]!)).toBe(true);
  });

  it('holds a partial message and reports its state', () => {
    const framer = new BgpFramer();
    expect(framer.push(keepalive.subarray(0, 10)).messages).toEqual([]);
    expect(framer.state).toBe('header');
    expect(framer.pending).toBe(10);
    const open = encodeMessage(
      { type: 'OPEN', version: 4, myAsn: 65000, holdTime: 90, bgpId: '10.0.0.1', capabilities: [] },
      DEFAULT_CONTEXT,
    );
    framer.push(keepalive.subarray(10));
    framer.push(open.subarray(0, 20));
    expect(framer.state).toBe('body');
    expect(framer.push(open.subarray(20)).messages.map((m) => m.length)).toEqual([29]);
    expect(framer.pending).toBe(0);
  });
});
