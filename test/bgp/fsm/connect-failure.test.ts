import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/core/random.js';
import { initialState, step, type FsmState } from '../../../src/bgp/fsm/index.js';

// config.connectFailure 'active': what FRR and BIRD do when a TCP connect fails.
function fsm(connectFailure: 'idle' | 'active'): FsmState {
  return initialState({
    localAsn: 64501,
    bgpId: '198.18.0.10',
    peerAsn: 64500,
    connectRetryTimeSeconds: 5,
    random: new SeededRandom(1),
    connectFailure,
  });
}

describe('connect failure handling', () => {
  it("'idle' follows RFC 4271 8.2.2 Connect event 18: Idle", () => {
    let s = step(fsm('idle'), { type: 'AutomaticStart' }).state;
    expect(s.name).toBe('Connect');
    s = step(s, { type: 'TcpConnectionFails' }).state;
    expect(s.name).toBe('Idle');
  });

  it("'active' waits in Active for the ConnectRetryTimer, then connects again", () => {
    let r = step(fsm('active'), { type: 'AutomaticStart' });
    r = step(r.state, { type: 'TcpConnectionFails' });
    expect(r.state.name).toBe('Active');
    expect(r.transition?.reason).toBe('tcp-failed');
    const timer = r.actions.find((a) => a.type === 'StartTimer' && a.timer === 'ConnectRetryTimer');
    expect(timer && timer.type === 'StartTimer' && timer.ms).toBeGreaterThanOrEqual(3750);
    r = step(r.state, { type: 'ConnectRetryTimer_Expires' });
    expect(r.state.name).toBe('Connect');
    expect(r.actions.some((a) => a.type === 'ConnectTcp')).toBe(true);
    r = step(r.state, { type: 'TcpConnectionFails' });
    expect(r.state.name).toBe('Active');
    expect(r.state.connectRetryCounter).toBe(2);
  });
});
