import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SpeakersimError } from '../core/errors.js';
import { stateFilePath } from './names.js';
import type { LabTopology } from './topology.js';

/**
 * The state file (/run/speakersim/<lab>/state.json) records what a lab created, written before
 * each step so that a crash half way still leaves a record: the next `up` of the same lab, or
 * `down --force`, reads it (and sweeps by name prefix) to remove the leftovers.
 */

export type LabPhase = 'starting' | 'up' | 'stopping';

export interface LabStateFile {
  version: 1;
  lab: string;
  phase: LabPhase;
  /** Process that ran `up`; the lab outlives it when `persistent`. */
  ownerPid: number;
  /** Up on purpose beyond its owner's life (a trainer's `lab up`), not tied to a process. */
  persistent: boolean;
  createdAtWallMs: number;
  runRoot: string;
  topology: LabTopology;
  namespaces: string[];
  links: string[];
  /** router -> daemon -> pid */
  pids: Record<string, Record<string, number>>;
  /** Where the routers run: namespaces (absent in older files) or compose containers. */
  backend?: LabBackendKind;
  /** compose: router -> the container's init pid on the host (for nsenter). */
  containerPids?: Record<string, number>;
}

export type LabBackendKind = 'netns' | 'compose';

export class LabStateError extends SpeakersimError {
  constructor(path: string, message: string) {
    super('ERR_LAB_STATE_INVALID', `${path}: ${message}`);
  }
}

export function writeState(state: LabStateFile): void {
  const path = stateFilePath(state.lab, state.runRoot);
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename: a crash mid-write never leaves half a JSON document behind.
  writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${path}.tmp`, path);
}

/** The recorded state, undefined when there is none; LabStateError when it is unreadable. */
export function readState(lab: string, runRoot: string): LabStateFile | undefined {
  const path = stateFilePath(lab, runRoot);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LabStateError(path, 'not JSON');
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    (parsed as { version?: unknown }).version !== 1 ||
    (parsed as { lab?: unknown }).lab !== lab ||
    typeof (parsed as { topology?: unknown }).topology !== 'object'
  ) {
    throw new LabStateError(path, 'unexpected content');
  }
  return parsed as LabStateFile;
}
