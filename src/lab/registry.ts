import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SpeakersimError } from '../core/errors.js';
import { LabNotFoundError } from './errors.js';
import { hostRouteBlocks } from './host-routes.js';
import { LAB_RUN_ROOT } from './names.js';
import { isAlive, tryLock } from './proc.js';
import type { Relocation } from './relocate.js';

/**
 * The running labs of `speakersim lab up`, one record and one control token per lab, in a run
 * directory only its owner can read: /run/speakersim/labs as root, else
 * $XDG_RUNTIME_DIR/speakersim/labs (or ~/.cache/speakersim/labs). Never a predictable /tmp path
 * that another user could create first. A record is claimed atomically (O_EXCL), so a second
 * `lab up` of a running lab is refused; `lab down` with no name needs exactly one running lab.
 */

export interface LabRecord {
  name: string;
  pid: number;
  /** http://127.0.0.1:<port> once the control port listens; absent while starting. */
  control?: string;
  kubeconfig?: string;
  backend: string;
  scenario: string;
  /** The live view's URL when `lab up --ui` serves one. */
  ui?: string;
  /**
   * The address blocks (CIDRs) the lab holds on the host (netns, compose; none for builtin),
   * after relocation: a later `lab up` keeps clear of them (src/lab/relocate.ts).
   */
  blocks?: string[];
  /** The blocks moved from the scenario's own (empty or absent: none moved). */
  relocation?: Relocation[];
}

/** The run directory is not a private directory of this user: refuse to use it. */
export class LabRunDirError extends SpeakersimError {
  constructor(dir: string, why: string) {
    super('ERR_LAB_RUN_DIR_UNSAFE', `${dir}: ${why}`);
  }
}

/** `lab down`/`status`/`inject` without a name while several labs run. */
export class LabAmbiguousError extends SpeakersimError {
  constructor(readonly names: string[]) {
    super('ERR_LAB_AMBIGUOUS', `several labs are running (${names.join(', ')}): name one`);
  }
}

/** Another `lab up` held the registry's lock for longer than we waited. */
export class LabRegistryBusyError extends SpeakersimError {
  constructor(path: string, ms: number) {
    super('ERR_LAB_REGISTRY_BUSY', `${path} still held after ${ms} ms`);
  }
}

/** A lab of that name is running (its owner process is alive). */
export class LabAlreadyRunningError extends SpeakersimError {
  constructor(name: string, pid: number) {
    super(
      'ERR_LAB_ALREADY_UP',
      `lab ${name} is already up (process ${pid}); run lab down ${name} first`,
    );
  }
}

export function defaultRegistryDir(): string {
  if (typeof process.getuid !== 'function' || process.getuid() === 0) {
    return join(LAB_RUN_ROOT, 'labs');
  }
  const base = process.env.XDG_RUNTIME_DIR || join(homedir(), '.cache');
  return join(base, 'speakersim', 'labs');
}

export class LabRegistry {
  constructor(readonly dir = process.env.SPEAKERSIM_LAB_DIR || defaultRegistryDir()) {}

  /** Creates the directory (0700) and checks it belongs to this user and nobody else writes it. */
  ensureDir(): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(this.dir);
    if (!st.isDirectory()) throw new LabRunDirError(this.dir, 'is not a directory');
    const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
    if (st.uid !== uid) throw new LabRunDirError(this.dir, `owned by uid ${st.uid}, not ${uid}`);
    if ((st.mode & 0o077) !== 0) chmodSync(this.dir, 0o700);
    return this.dir;
  }

  private recordPath(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  /** Output of a `lab up --detach` child. */
  logPath(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  tokenPath(name: string): string {
    return join(this.dir, `${name}.token`);
  }

  /**
   * Claims `name` for this process: refused while another live process holds it; a record of
   * a dead process is stale and taken over. Returns the new control token (also in a 0600 file).
   */
  claim(record: LabRecord): string {
    this.ensureDir();
    const path = this.recordPath(record.name);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, JSON.stringify(record), { mode: 0o600, flag: 'wx' });
        const token = randomBytes(32).toString('hex');
        writeFileSync(this.tokenPath(record.name), `${token}\n`, { mode: 0o600 });
        return token;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const prior = this.read(record.name);
        if (prior && prior.pid !== process.pid && isAlive(prior.pid)) {
          throw new LabAlreadyRunningError(record.name, prior.pid);
        }
        this.remove(record.name);
      }
    }
    throw new LabAlreadyRunningError(record.name, -1);
  }

  /**
   * Runs `fn` holding the registry's lock (a file created with O_EXCL, holding our pid; a dead
   * holder's is taken over), so that two `lab up`s never choose the same free address block.
   */
  async locked<T>(fn: () => T | Promise<T>, waitMs = 30_000): Promise<T> {
    const path = join(this.ensureDir(), '.lock');
    const deadline = Date.now() + waitMs;
    while (!tryLock(path)) {
      if (Date.now() > deadline) throw new LabRegistryBusyError(path, waitMs);
      await delay(50);
    }
    try {
      return await fn();
    } finally {
      rmSync(path, { force: true });
    }
  }

  update(record: LabRecord): void {
    const path = this.recordPath(record.name);
    writeFileSync(`${path}.tmp`, JSON.stringify(record), { mode: 0o600 });
    // rename keeps the record whole for a reader at any moment.
    renameSync(`${path}.tmp`, path);
  }

  read(name: string): LabRecord | undefined {
    try {
      const r = JSON.parse(readFileSync(this.recordPath(name), 'utf8')) as LabRecord;
      return typeof r.pid === 'number' && r.name === name ? r : undefined;
    } catch {
      return undefined;
    }
  }

  remove(name: string): void {
    rmSync(this.recordPath(name), { force: true });
    rmSync(this.tokenPath(name), { force: true });
  }

  /** Records whose owner is alive. */
  running(): LabRecord[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
    return files
      .map((f) => this.read(f.slice(0, -'.json'.length)))
      .filter((r): r is LabRecord => r !== undefined && isAlive(r.pid));
  }

  /** The named lab, or the only running one; LabAmbiguousError when several run. */
  resolve(name?: string): LabRecord {
    if (name !== undefined) {
      const r = this.read(name);
      if (!r || !isAlive(r.pid)) throw new LabNotFoundError(`running lab ${name}`);
      return r;
    }
    const all = this.running();
    if (all.length === 0) throw new LabNotFoundError('running lab');
    if (all.length > 1) throw new LabAmbiguousError(all.map((r) => r.name).sort());
    return all[0]!;
  }

  /** The lab's control token: SPEAKERSIM_LAB_TOKEN, else its token file (never argv: `ps`). */
  token(name: string): string {
    const env = process.env.SPEAKERSIM_LAB_TOKEN;
    if (env) return env.trim();
    try {
      return readFileSync(this.tokenPath(name), 'utf8').trim();
    } catch {
      throw new LabNotFoundError(`control token of lab ${name} (${this.tokenPath(name)})`);
    }
  }
}

/**
 * The address blocks lab `name` must keep clear of: those other running labs hold (their
 * records) and those the host routes (labs of `run`, which keep no record, and the rest).
 */
export function blocksInUse(registry: LabRegistry, name: string): string[] {
  return [
    ...registry.running().flatMap((r) => (r.name === name ? [] : (r.blocks ?? []))),
    ...hostRouteBlocks(name),
  ];
}

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
