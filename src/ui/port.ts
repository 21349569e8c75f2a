import { LiveViewError } from './errors.js';

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
