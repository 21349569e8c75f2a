import { describe, expect, it } from 'vitest';
import {
  BfdState,
  bfdProfileToParams,
  bfdStatusString,
  frrBfdStatus,
} from '../../src/bfd/index.js';

describe('MetalLB BFDProfile mapping (metallb-crs.md section 10)', () => {
  it("uses FRR's defaults (300 ms, 300 ms, x3, active, TTL 254) for unset fields", () => {
    expect(bfdProfileToParams({})).toEqual({
      requiredMinRxMs: 300,
      desiredMinTxMs: 300,
      detectMult: 3,
      passive: false,
      minimumTtl: 254,
    });
  });

  it('maps every field that is set', () => {
    expect(
      bfdProfileToParams({
        receiveInterval: 50,
        transmitInterval: 60,
        detectMultiplier: 5,
        passiveMode: true,
        minimumTtl: 10,
        echoMode: false,
        echoInterval: 100,
      }),
    ).toEqual({
      requiredMinRxMs: 50,
      desiredMinTxMs: 60,
      detectMult: 5,
      passive: true,
      minimumTtl: 10,
    });
  });

  const OUT_OF_RANGE: [string, object][] = [
    ['receiveInterval', { receiveInterval: 9 }],
    ['receiveInterval', { receiveInterval: 60001 }],
    ['transmitInterval', { transmitInterval: 9 }],
    ['transmitInterval', { transmitInterval: 10.5 }],
    ['detectMultiplier', { detectMultiplier: 1 }],
    ['detectMultiplier', { detectMultiplier: 256 }],
    ['echoInterval', { echoInterval: 9 }],
    ['minimumTtl', { minimumTtl: 0 }],
    ['minimumTtl', { minimumTtl: 255 }],
  ];
  for (const [field, spec] of OUT_OF_RANGE) {
    it(`refuses ${JSON.stringify(spec)} as BFD_CONFIG_INVALID on ${field}`, () => {
      expect(() => bfdProfileToParams(spec)).toThrow(
        expect.objectContaining({ code: 'BFD_CONFIG_INVALID', field }),
      );
    });
  }

  it('accepts the range ends', () => {
    expect(bfdProfileToParams({ receiveInterval: 10, transmitInterval: 60000 })).toMatchObject({
      requiredMinRxMs: 10,
      desiredMinTxMs: 60000,
    });
    expect(bfdProfileToParams({ detectMultiplier: 2 }).detectMult).toBe(2);
    expect(bfdProfileToParams({ detectMultiplier: 255 }).detectMult).toBe(255);
  });

  it('refuses echoMode with BFD_ECHO_NOT_SUPPORTED', () => {
    expect(() => bfdProfileToParams({ echoMode: true })).toThrow(
      expect.objectContaining({ code: 'BFD_ECHO_NOT_SUPPORTED' }),
    );
  });
});

describe('BFD status strings (metallb-crs.md section 3)', () => {
  it('maps states to the strings BGPSessionState reports; Init shows as Down', () => {
    expect(bfdStatusString(BfdState.Up)).toBe('Up');
    expect(bfdStatusString(BfdState.Down)).toBe('Down');
    expect(bfdStatusString(BfdState.Init)).toBe('Down');
    expect(bfdStatusString(BfdState.AdminDown)).toBe('Admin Down');
    expect(bfdStatusString(undefined)).toBe('N/A');
    expect(bfdStatusString(null)).toBe('Unknown');
    expect(bfdStatusString(9 as BfdState)).toBe('Unknown');
  });

  it("maps states to FRR's show bfd peers status", () => {
    expect([0, 1, 2, 3].map((s) => frrBfdStatus(s as BfdState))).toEqual([
      'shutdown',
      'down',
      'init',
      'up',
    ]);
  });
});
