import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import {
  BFD_STATE_TABLE,
  BfdDiagnostic,
  BfdSession,
  BfdState,
  InMemoryBfdNetwork,
  encodeControlPacket,
  type BfdControlPacket,
} from '../../src/bfd/index.js';
import { controlPacket } from './harness.js';

const { AdminDown, Down, Init, Up } = BfdState;
const PEER_DISCR = 0x0badcafe;

/** A session on a ManualClock whose peer is played by hand-made packets. */
async function sessionAt(local: BfdState): Promise<{ s: BfdSession; clock: ManualClock }> {
  const clock = new ManualClock();
  const random = new SeededRandom(7);
  const net = new InMemoryBfdNetwork({ clock, random });
  const transport = await net.createTransport({ localAddress: '198.18.0.1' });
  const s = new BfdSession(
    { localAddress: '198.18.0.1', peerAddress: '198.18.0.2' },
    { clock, random, channel: await transport.openTxChannel(), localDiscriminator: 42 },
  );
  s.start();
  if (local === Init) inject(s, Down);
  if (local === Up) {
    inject(s, Init);
  }
  if (local === AdminDown) s.adminDown();
  expect(s.state).toBe(local);
  return { s, clock };
}

function packetFrom(state: BfdState, yourDiscriminator: number): BfdControlPacket {
  return controlPacket({
    diagnostic: state === AdminDown ? BfdDiagnostic.AdministrativelyDown : 0,
    state,
    myDiscriminator: PEER_DISCR,
    yourDiscriminator,
    desiredMinTxUs: 1_000_000,
  });
}

function inject(s: BfdSession, state: BfdState) {
  const p = packetFrom(state, s.localDiscriminator);
  return s.receive(p, encodeControlPacket(p));
}

/**
 * RFC 5880 6.8.6, written out independently of src/bfd/fsm/state-table.ts:
 * [local, received, next state, next diag | undefined (unchanged), discarded].
 */
const EXPECTED: [BfdState, BfdState, BfdState, BfdDiagnostic | undefined, boolean][] = [
  [AdminDown, AdminDown, AdminDown, BfdDiagnostic.AdministrativelyDown, true],
  [AdminDown, Down, AdminDown, BfdDiagnostic.AdministrativelyDown, true],
  [AdminDown, Init, AdminDown, BfdDiagnostic.AdministrativelyDown, true],
  [AdminDown, Up, AdminDown, BfdDiagnostic.AdministrativelyDown, true],
  [Down, AdminDown, Down, BfdDiagnostic.NoDiagnostic, false],
  [Down, Down, Init, BfdDiagnostic.NoDiagnostic, false],
  [Down, Init, Up, BfdDiagnostic.NoDiagnostic, false],
  [Down, Up, Down, BfdDiagnostic.NoDiagnostic, false],
  [Init, AdminDown, Down, BfdDiagnostic.NeighborSignaledSessionDown, false],
  [Init, Down, Init, BfdDiagnostic.NoDiagnostic, false],
  [Init, Init, Up, BfdDiagnostic.NoDiagnostic, false],
  [Init, Up, Up, BfdDiagnostic.NoDiagnostic, false],
  [Up, AdminDown, Down, BfdDiagnostic.NeighborSignaledSessionDown, false],
  [Up, Down, Down, BfdDiagnostic.NeighborSignaledSessionDown, false],
  [Up, Init, Up, BfdDiagnostic.NoDiagnostic, false],
  [Up, Up, Up, BfdDiagnostic.NoDiagnostic, false],
];

describe('BFD state table (RFC 5880 6.8.6), one test per row, on a ManualClock', () => {
  it('has exactly one row per (local, remote) pair', () => {
    expect(BFD_STATE_TABLE).toHaveLength(16);
    const pairs = new Set(BFD_STATE_TABLE.map((r) => `${r.local}/${r.remote}`));
    expect(pairs.size).toBe(16);
  });

  for (const [local, remote, next, diag, discarded] of EXPECTED) {
    it(`${BfdState[local]} + received ${BfdState[remote]} -> ${BfdState[next]}`, async () => {
      const { s, clock } = await sessionAt(local);
      clock.advance(10);
      const events: BfdState[] = [];
      s.on('stateChange', (e) => events.push(e.to));
      const reason = inject(s, remote);
      expect(reason).toBe(discarded ? 'local-admin-down' : undefined);
      expect(s.state).toBe(next);
      expect(s.diagnostic).toBe(diag);
      expect(events).toEqual(next === local ? [] : [next]);
      expect(s.counters.discards['local-admin-down']).toBe(discarded ? 1 : 0);
      // A valid packet (not discarded) records the peer's discriminator (6.8.6).
      if (!discarded) expect(s.remoteDiscriminator).toBe(PEER_DISCR);
      await s.stop();
    });
  }
});
