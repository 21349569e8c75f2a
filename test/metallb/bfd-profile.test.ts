import { describe, expect, it } from 'vitest';
import { BfdState } from '../../src/bfd/wire/constants.js';
import { resolveSessionParams } from '../../src/bfd/config.js';
import {
  FRR_DEFAULT_MINIMUM_TTL,
  bfdProfileSession,
  bfdSessionStatus,
} from '../../src/metallb/bfd-profile.js';
import type { ParsedBfdProfile } from '../../src/metallb/config.js';

const profile = (p: Partial<ParsedBfdProfile>): ParsedBfdProfile => ({
  name: 'p',
  echoMode: false,
  passiveMode: false,
  ...p,
});

describe('MetalLB BFDProfile -> BFD session (metallb-crs.md section 10)', () => {
  it("leaves unset fields unset, so FRR bfdd's defaults apply (300 ms, 300 ms, x3, active, TTL 254)", () => {
    const s = bfdProfileSession(profile({}), { multihop: false });
    expect(s).toEqual({
      timers: {
        desiredMinTxMs: undefined,
        requiredMinRxMs: undefined,
        detectMult: undefined,
        passive: false,
      },
      minimumTtl: FRR_DEFAULT_MINIMUM_TTL,
    });
    const params = resolveSessionParams({
      localAddress: '198.18.0.1',
      peerAddress: '198.18.0.2',
      ...s.timers,
    });
    expect(params).toEqual({
      desiredMinTxUs: 300_000,
      requiredMinRxUs: 300_000,
      detectMult: 3,
      passive: false,
    });
  });

  it('maps every field that is set', () => {
    expect(
      bfdProfileSession(
        profile({
          receiveInterval: 50,
          transmitInterval: 60,
          detectMultiplier: 5,
          passiveMode: true,
          minimumTtl: 10,
        }),
        { multihop: true },
      ),
    ).toEqual({
      timers: { desiredMinTxMs: 60, requiredMinRxMs: 50, detectMult: 5, passive: true },
      minimumTtl: 10,
    });
  });

  it('echoMode runs the session (async mode) and says why echo is not transmitted; never throws', () => {
    const single = bfdProfileSession(profile({ echoMode: true, echoInterval: 40 }), {
      multihop: false,
    });
    expect(single.timers.passive).toBe(false);
    expect(single.echoNotTransmitted?.reason).toContain('RFC 5880 6.4');
    expect(single.echoNotTransmitted?.reason).toContain('40 ms');
    const multi = bfdProfileSession(profile({ echoMode: true }), { multihop: true });
    expect(multi.echoNotTransmitted?.reason).toContain('RFC 5883 3');
    expect(bfdProfileSession(profile({ echoMode: false }), { multihop: false })).not.toHaveProperty(
      'echoNotTransmitted',
    );
  });
});

describe('BGPSessionState.status.bfdStatus', () => {
  it('N/A without a profile, Unknown with no session, Init shows as Down', () => {
    expect(bfdSessionStatus(false, BfdState.Up)).toBe('N/A');
    expect(bfdSessionStatus(true, undefined)).toBe('Unknown');
    expect(
      [BfdState.AdminDown, BfdState.Down, BfdState.Init, BfdState.Up].map((s) =>
        bfdSessionStatus(true, s),
      ),
    ).toEqual(['Admin Down', 'Down', 'Down', 'Up']);
  });
});
