/**
 * The timeline as JSON lines: one event per line, keys sorted, a trailing newline. Two runs
 * in virtual time that did the same things produce the same bytes, so files diff cleanly.
 */
import { writeFile } from 'node:fs/promises';
import { stableJson } from '../../core/stable-json.js';
import type { TimelineEvent } from '../timeline.js';

export function timelineToJsonLines(events: readonly TimelineEvent[]): string {
  return events.map((e) => stableJson(e) + '\n').join('');
}

/** Parses JSON lines back (blank lines ignored); for tools and tests. */
export function parseJsonLines(text: string): TimelineEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TimelineEvent);
}

export async function writeJsonLines(
  path: string,
  events: readonly TimelineEvent[],
): Promise<void> {
  await writeFile(path, timelineToJsonLines(events));
}
