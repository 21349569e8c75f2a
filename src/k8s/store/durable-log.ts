import * as fs from 'node:fs';
import * as path from 'node:path';
import { SpeakersimError } from '../../core/errors.js';
import type { KubeObject } from '../resource-type.js';

/**
 * Durability for the object store: an append-only log of JSON lines, each fsync'ed before the
 * write is acknowledged, plus snapshots that let the log be truncated. Recovery loads the
 * snapshot, replays log records newer than it, and ignores a torn last line (a write that
 * crashed before its fsync returned was never acknowledged).
 */

export type LogRecord =
  | { t: 'put'; k: string; rv: number; o: KubeObject }
  | { t: 'del'; k: string; rv: number; id: string };

export interface RecoveredState {
  rv: number;
  objects: Array<{ key: string; obj: KubeObject }>;
}

export class DurableLogError extends SpeakersimError {}

const SNAPSHOT = 'snapshot.json';
const LOG = 'wal.jsonl';

export class DurableLog {
  private fd: number;
  private records = 0;

  private constructor(
    private readonly dir: string,
    fd: number,
    private readonly compactEvery: number,
  ) {
    this.fd = fd;
  }

  /** Opens (creating if needed) a data dir and returns the log and the state it holds. */
  static open(dir: string, compactEvery = 20_000): { log: DurableLog; state: RecoveredState } {
    fs.mkdirSync(dir, { recursive: true });
    const state = recover(dir);
    const fd = fs.openSync(path.join(dir, LOG), 'a');
    const log = new DurableLog(dir, fd, compactEvery);
    return { log, state };
  }

  /** Appends one record and waits until it is on disk. */
  append(record: LogRecord): void {
    fs.writeSync(this.fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(this.fd);
    this.records++;
  }

  /** True when the log is long enough that a snapshot should replace it. */
  wantsCompaction(): boolean {
    return this.records >= this.compactEvery;
  }

  /** Writes a snapshot of `state` durably, then starts an empty log. */
  compact(state: RecoveredState): void {
    const tmp = path.join(this.dir, `${SNAPSHOT}.tmp`);
    const fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, JSON.stringify(state));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, path.join(this.dir, SNAPSHOT));
    fsyncDir(this.dir);
    fs.closeSync(this.fd);
    // Records older than the snapshot are skipped on replay, so a crash before this truncation
    // is harmless.
    this.fd = fs.openSync(path.join(this.dir, LOG), 'w');
    fs.fsyncSync(this.fd);
    this.records = 0;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // some filesystems refuse fsync on directories; the rename is still atomic
  }
}

function recover(dir: string): RecoveredState {
  const objects = new Map<string, { key: string; obj: KubeObject }>();
  let rv = 0;
  const snapshotPath = path.join(dir, SNAPSHOT);
  if (fs.existsSync(snapshotPath)) {
    let snap: RecoveredState;
    try {
      snap = JSON.parse(fs.readFileSync(snapshotPath, 'utf8')) as RecoveredState;
    } catch (err) {
      throw new DurableLogError('ERR_K8S_STORE_CORRUPT', `snapshot ${snapshotPath} is unreadable`, {
        cause: err,
      });
    }
    rv = snap.rv;
    for (const entry of snap.objects) objects.set(idOf(entry.key, entry.obj), entry);
  }
  const snapshotRv = rv;
  const logPath = path.join(dir, LOG);
  if (fs.existsSync(logPath)) {
    const text = fs.readFileSync(logPath, 'utf8');
    let goodBytes = 0;
    for (const line of text.split('\n')) {
      let rec: LogRecord;
      try {
        if (!line.trim()) {
          goodBytes += Buffer.byteLength(line) + 1;
          continue;
        }
        rec = JSON.parse(line) as LogRecord;
      } catch {
        // A torn tail: that write was never acknowledged. Cut it off so that new records
        // start on a clean line.
        break;
      }
      goodBytes += Buffer.byteLength(line) + 1;
      if (rec.rv <= snapshotRv) continue;
      rv = Math.max(rv, rec.rv);
      if (rec.t === 'put') objects.set(idOf(rec.k, rec.o), { key: rec.k, obj: rec.o });
      else objects.delete(`${rec.k}|${rec.id}`);
    }
    const size = Buffer.byteLength(text);
    if (goodBytes < size) fs.truncateSync(logPath, goodBytes);
  }
  return { rv, objects: [...objects.values()] };
}

export function objectId(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function idOf(key: string, obj: KubeObject): string {
  return `${key}|${objectId(obj)}`;
}
