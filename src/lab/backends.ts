import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { BuiltinBackend } from './builtin/backend.js';
import { ComposeBackend } from './compose-backend.js';
import { NetnsBackend } from './netns-backend.js';
import type { PeerBackend, PeerBackendKind, TrafficGuard } from './peer-backend.js';
import type { LabTopology } from './topology.js';

export interface PeerBackendDeps {
  clock: Clock;
  random: Random;
  /** Real-socket backends pass node traffic through it (the runner's LabGuard). */
  guard?: TrafficGuard;
}

/** The backend of that kind for a topology; nothing starts until its `up`. */
export function createPeerBackend(
  kind: PeerBackendKind,
  topology: LabTopology,
  deps: PeerBackendDeps,
): PeerBackend {
  switch (kind) {
    case 'builtin':
      return new BuiltinBackend(topology, deps.clock, deps.random);
    case 'netns':
      return new NetnsBackend(topology, deps.clock, deps.random, deps.guard);
    case 'compose':
      return new ComposeBackend(topology, deps.clock, deps.random, deps.guard);
  }
}
