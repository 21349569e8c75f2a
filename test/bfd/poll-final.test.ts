import { describe, expect, it } from 'vitest';
import { BfdState } from '../../src/bfd/index.js';
import { A_ADDR, B_ADDR, memoryPair, type MemoryPair } from './harness.js';

async function upPair(latencyMs = 5): Promise<MemoryPair> {
  const p = await memoryPair({
    latencyMs,
    a: { desiredMinTxMs: 50, requiredMinRxMs: 50 },
    b: { desiredMinTxMs: 50, requiredMinRxMs: 50 },
  });
  p.clock.advance(5_000);
  expect(p.a.state).toBe(BfdState.Up);
  expect(p.a.fsmState.pollActive).toBe(false);
  return p;
}

describe('Poll/Final (RFC 5880 6.5, 6.8.3)', () => {
  it('never sends P and F together; every Poll is answered by a Final', async () => {
    const p = await upPair();
    for (const s of p.sent) expect(s.packet.poll && s.packet.final).toBe(false);
    const polls = p.sent.filter((s) => s.packet.poll).length;
    expect(polls).toBeGreaterThan(0); // the 1 s -> 50 ms change on reaching Up
    expect(p.a.counters.pollsCompleted).toBeGreaterThanOrEqual(1);
    expect(p.b.counters.pollsCompleted).toBeGreaterThanOrEqual(1);
    await p.close();
  });

  it('answers a Poll at once, without waiting for the transmit timer', async () => {
    const p = await upPair(0);
    const t0 = p.clock.now();
    p.a.setParameters({ desiredMinTxMs: 60 });
    p.clock.advance(100);
    const poll = p.sent.find((s) => s.from === A_ADDR && s.packet.poll && s.at >= t0)!;
    const final = p.sent.find((s) => s.from === B_ADDR && s.packet.final && s.at >= poll.at)!;
    expect(final.at).toBe(poll.at); // zero latency: the Final leaves when the Poll lands
    await p.close();
  });

  it('an increased Desired Min TX is used only after the Final (6.8.3)', async () => {
    const p = await upPair(5);
    p.a.setParameters({ desiredMinTxMs: 200 });
    const s = p.a.fsmState;
    expect(s.pollActive).toBe(true);
    expect(s.desiredMinTxUs).toBe(200_000); // advertised at once
    expect(s.txInUseUs).toBe(50_000); // ... but not used yet
    p.clock.advance(200);
    expect(p.a.fsmState.pollActive).toBe(false);
    expect(p.a.fsmState.txInUseUs).toBe(200_000);
    // B's Detection Time for A followed the advertised value: 3 x max(50, 200).
    expect(p.b.snapshot().detectionTimeMs).toBe(600);
    p.clock.advance(60_000);
    expect(p.b.counters.downTransitions).toBe(0);
    await p.close();
  });

  it('a reduced Required Min RX counts for Detection Time only after the Final (6.8.3)', async () => {
    const p = await upPair(5);
    p.b.setParameters({ desiredMinTxMs: 20 }); // let B send fast enough for A's smaller RX
    p.clock.advance(500);
    p.a.setParameters({ requiredMinRxMs: 20 });
    expect(p.a.fsmState.requiredMinRxUs).toBe(20_000);
    expect(p.a.fsmState.rxInUseUs).toBe(50_000);
    p.clock.advance(200);
    expect(p.a.fsmState.rxInUseUs).toBe(20_000);
    expect(p.a.snapshot().detectionTimeMs).toBe(60); // 3 x max(20, B tx 20)
    await p.close();
  });

  it('a decreased TX or an increased RX applies at once', async () => {
    const p = await upPair(5);
    p.a.setParameters({ desiredMinTxMs: 30, requiredMinRxMs: 100 });
    expect(p.a.fsmState.txInUseUs).toBe(30_000);
    expect(p.a.fsmState.rxInUseUs).toBe(100_000);
    expect(p.a.fsmState.pollActive).toBe(true);
    await p.close();
  });

  it('queues a change that must wait while a Poll Sequence runs, then polls again', async () => {
    const p = await upPair(5);
    p.a.setParameters({ desiredMinTxMs: 100 });
    p.a.setParameters({ desiredMinTxMs: 150 });
    expect(p.a.fsmState.desiredMinTxUs).toBe(100_000);
    expect(p.a.fsmState.queuedParams?.desiredMinTxUs).toBe(150_000);
    const before = p.a.counters.pollsCompleted;
    p.clock.advance(2_000);
    expect(p.a.counters.pollsCompleted).toBe(before + 2);
    expect(p.a.fsmState.txInUseUs).toBe(150_000);
    expect(p.a.fsmState.queuedParams).toBeUndefined();
    await p.close();
  });

  it('keeps polling while no Final comes back', async () => {
    const p = await upPair(5);
    p.silence(B_ADDR);
    p.a.setParameters({ desiredMinTxMs: 60 });
    const start = p.sent.length;
    p.clock.advance(120); // inside the detection time
    const fromA = p.sent.slice(start).filter((s) => s.from === A_ADDR);
    expect(fromA.length).toBeGreaterThan(0);
    for (const s of fromA) expect(s.packet.poll).toBe(true);
    await p.close();
  });
});
