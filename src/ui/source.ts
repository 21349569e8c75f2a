import type { ScenarioSession } from '../scenario/runner/session.js';
import { viewTopology, type FaultRequest } from './model.js';
import type { LiveViewSource } from './server.js';

/** The live view's source for a running scenario session; `inject` runs faults as `inject` does. */
export function sessionSource(
  session: ScenarioSession,
  inject: (request: FaultRequest) => Promise<unknown>,
): LiveViewSource {
  return {
    client: session.client,
    topology: viewTopology(session.scenario, session.backend),
    inject,
  };
}
