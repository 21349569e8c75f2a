import type { ScenarioSession } from '../scenario/runner/session.js';
import { LiveViewError } from './errors.js';
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

/**
 * `--ui [PORT]` as yargs hands it over: absent (no view), empty or `true` (a free port), or a
 * port number. Anything else is refused before a lab starts.
 */
export function parseUiPort(value: unknown): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === '' || value === true) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new LiveViewError(
      'ERR_UI_PORT',
      `--ui: expected a TCP port (0-65535), got ${String(value)}`,
    );
  return n;
}
