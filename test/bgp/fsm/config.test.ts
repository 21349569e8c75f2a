/** Configuration checks: bad settings fail at initialState with a typed error naming the field. */
import { describe, expect, it } from 'vitest';
import type { FsmConfig } from '../../../src/bgp/fsm/index.js';
import { FsmConfigError, initialState, resolveConfig } from '../../../src/bgp/fsm/index.js';
import { config } from './fixtures.js';

describe('config', () => {
  it.each([
    ['localAsn', { localAsn: 0 }],
    ['localAsn', { localAsn: 2 ** 32 }],
    ['localAsn', { localAsn: 1.5 }],
    ['peerAsn', { peerAsn: 0 }],
    ['peerAsn', { peerAsn: 'any' as unknown as number }],
    ['bgpId', { bgpId: '0.0.0.0' }],
    ['bgpId', { bgpId: '256.1.1.1' }],
    ['bgpId', { bgpId: 'router-1' }],
    ['holdTimeSeconds', { holdTimeSeconds: 1 }], // RFC 4271 4.2: 0 or >= 3
    ['holdTimeSeconds', { holdTimeSeconds: 2 }],
    ['holdTimeSeconds', { holdTimeSeconds: 65536 }],
    ['holdTimeSeconds', { holdTimeSeconds: -3 }],
    ['keepaliveTimeSeconds', { keepaliveTimeSeconds: 0 }],
    ['connectRetryTimeSeconds', { connectRetryTimeSeconds: 0 }],
    ['delayOpenTimeSeconds', { delayOpenTimeSeconds: Number.NaN }],
    ['idleHoldMaxSeconds', { idleHoldTimeSeconds: 10, idleHoldMaxSeconds: 5 }],
    ['requiredCapabilities', { requiredCapabilities: [256] }],
  ] as [string, Partial<FsmConfig>][])('%s %j is refused', (field, bad) => {
    let error: unknown;
    try {
      initialState(config(bad));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FsmConfigError);
    expect((error as FsmConfigError).code).toBe('ERR_BGP_FSM_CONFIG_INVALID');
    expect((error as FsmConfigError).field).toBe(field);
  });

  it('defaults: hold 90 s, keepalive a third, connect retry 120 s (RFC 4271 10)', () => {
    const r = resolveConfig(config({ holdTimeSeconds: undefined }));
    expect(r.holdTimeSeconds).toBe(90);
    expect(r.keepaliveTimeMs).toBe(30_000);
    expect(r.connectRetryTimeMs).toBe(120_000);
    expect(r.delayOpenTimeMs).toBe(0);
    expect(r.passive).toBe(false);
  });

  it('hold time 0 is allowed and needs no keepalive', () => {
    expect(resolveConfig(config({ holdTimeSeconds: 0 })).keepaliveTimeMs).toBe(0);
  });

  it('starts Idle with nothing armed', () => {
    const s = initialState(config());
    expect(s.name).toBe('Idle');
    expect(s.connectRetryCounter).toBe(0);
    expect(Object.values(s.timers).some(Boolean)).toBe(false);
  });
});
