import { ApiStatusError, type StatusCause } from '../errors.js';
import { jsonEqual } from '../../core/stable-json.js';
import type { KubeObject, ManagedFieldsEntry } from '../resource-type.js';
import { isRecord } from '../resource-type.js';
import {
  fieldSetOf,
  fromFieldsV1,
  type ListKindResolver,
  mergeApplied,
  removePath,
  toFieldsV1,
  valueAtPath,
} from './field-set.js';

/**
 * managedFields bookkeeping and server-side apply (the Kubernetes "Server-Side Apply" design:
 * each manager owns leaf fields; an apply removes fields its manager owned before and no longer
 * sets, unless another manager owns them too; changing a field another manager owns is a
 * conflict unless forced).
 */

export interface WriteContext {
  manager: string;
  apiVersion: string;
  time: string;
  subresource?: string;
  lists: ListKindResolver;
}

function entriesOf(obj: KubeObject): ManagedFieldsEntry[] {
  const mf = obj.metadata?.managedFields;
  return Array.isArray(mf) ? (mf.filter(isRecord) as unknown as ManagedFieldsEntry[]) : [];
}

function sameOwner(e: ManagedFieldsEntry, manager: string, op: string, sub?: string): boolean {
  return e.manager === manager && e.operation === op && (e.subresource ?? '') === (sub ?? '');
}

/** Only the part of an object a subresource write may own. */
function scoped(obj: KubeObject, subresource?: string): Record<string, unknown> {
  if (subresource === 'status') return { status: obj['status'] };
  const copy: Record<string, unknown> = { ...obj };
  return copy;
}

function withEntries(obj: KubeObject, entries: ManagedFieldsEntry[]): KubeObject {
  const kept = entries.filter((e) => Object.keys(e.fieldsV1).length > 0);
  const metadata = { ...(obj.metadata ?? {}) };
  if (kept.length > 0) metadata.managedFields = kept;
  else delete metadata.managedFields;
  return { ...obj, metadata };
}

/**
 * After a create/update/patch by `ctx.manager`: the fields it changed become its own (as an
 * `Update` entry) and leave every other manager; removed fields leave everyone.
 */
export function recordUpdate(
  prev: KubeObject | undefined,
  next: KubeObject,
  ctx: WriteContext,
): KubeObject {
  const before = prev ? scopedFieldSet(prev, ctx) : new Set<string>();
  const after = scopedFieldSet(next, ctx);
  const changed = new Set<string>();
  for (const leaf of after) {
    const path = JSON.parse(leaf) as string[];
    if (!before.has(leaf) || !jsonEqual(valueAtPath(prev, path), valueAtPath(next, path))) {
      changed.add(leaf);
    }
  }
  const removed = [...before].filter((leaf) => !after.has(leaf));
  const touched = [...changed, ...removed];
  const original = entriesOf(prev ?? next);
  const own =
    changed.size > 0
      ? original.findIndex((e) => sameOwner(e, ctx.manager, 'Update', ctx.subresource))
      : -1;
  // An entry that owns none of the touched leaves is kept as it is (no FieldsV1 rebuild): a
  // status write touches a few leaves and would otherwise rebuild every manager's entry.
  const entries = original.map((e, i) => {
    if (i === own) return e;
    const set = leavesOf(e.fieldsV1);
    if (!touched.some((leaf) => set.has(leaf))) return e;
    const kept = new Set(set);
    for (const leaf of touched) kept.delete(leaf);
    return { ...e, fieldsV1: toFieldsV1(kept) };
  });
  if (changed.size > 0) {
    // The writer's own entry: what it owned, less the removed leaves, plus what it changed.
    const previous = own >= 0 ? (original[own] as ManagedFieldsEntry) : undefined;
    const set = new Set(previous ? leavesOf(previous.fieldsV1) : []);
    let same = previous !== undefined;
    for (const leaf of removed) if (set.delete(leaf)) same = false;
    for (const leaf of changed) {
      if (!set.has(leaf)) {
        set.add(leaf);
        same = false;
      }
    }
    const entry = ownEntry(ctx, 'Update', set, same ? previous?.fieldsV1 : undefined);
    if (own >= 0) entries[own] = entry;
    else entries.push(entry);
  }
  return withEntries(next, entries);
}

/**
 * Leaf sets of the `status` objects a status write saw, by identity: the object a write stores
 * keeps the `status` it was given and is never mutated, so the next status write of that object
 * finds its "before" set here instead of walking the status again. Only for status writes: a
 * whole object is a fresh copy on every write. Callers must not change the set.
 */
const statusLeafSets = new WeakMap<object, Set<string>>();
function scopedFieldSet(obj: KubeObject, ctx: WriteContext): ReadonlySet<string> {
  const status = obj['status'];
  if (ctx.subresource !== 'status' || typeof status !== 'object' || status === null) {
    return fieldSetOf(scoped(obj, ctx.subresource), ctx.lists);
  }
  let set = statusLeafSets.get(status);
  if (!set) {
    set = fieldSetOf({ status }, ctx.lists);
    statusLeafSets.set(status, set);
  }
  return set;
}

/**
 * The leaf set of a stored entry's FieldsV1, computed once per FieldsV1 object (stored objects
 * are never mutated, so neither are their entries). Callers must not change the set.
 */
const leafSets = new WeakMap<object, Set<string>>();
function leavesOf(fieldsV1: unknown): ReadonlySet<string> {
  if (typeof fieldsV1 !== 'object' || fieldsV1 === null) return fromFieldsV1(fieldsV1);
  let set = leafSets.get(fieldsV1);
  if (!set) {
    set = fromFieldsV1(fieldsV1);
    leafSets.set(fieldsV1, set);
  }
  return set;
}

function ownEntry(
  ctx: WriteContext,
  operation: 'Apply' | 'Update',
  set: Set<string>,
  /** The FieldsV1 of `set` when the caller has it already. */
  fieldsV1?: ManagedFieldsEntry['fieldsV1'],
): ManagedFieldsEntry {
  const entry: ManagedFieldsEntry = {
    manager: ctx.manager,
    operation,
    apiVersion: ctx.apiVersion,
    time: ctx.time,
    fieldsType: 'FieldsV1',
    fieldsV1: fieldsV1 ?? toFieldsV1(set),
  };
  if (ctx.subresource) entry.subresource = ctx.subresource;
  return entry;
}

/**
 * Server-side apply of `applied` onto `live` (undefined = create). Returns the merged object
 * with managedFields updated, or throws 409 Conflict listing the contested fields.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  ctx: WriteContext,
  force: boolean,
): KubeObject {
  const appliedScope = scoped(applied, ctx.subresource);
  const newSet = fieldSetOf(appliedScope, ctx.lists);
  const entries = live ? entriesOf(live) : [];
  const mine = entries.find((e) => sameOwner(e, ctx.manager, 'Apply', ctx.subresource));
  const oldSet = mine ? fromFieldsV1(mine.fieldsV1) : new Set<string>();
  const others = entries.filter((e) => e !== mine);

  const conflicts: StatusCause[] = [];
  const taken = new Set<string>();
  for (const e of others) {
    const theirs = fromFieldsV1(e.fieldsV1);
    for (const leaf of newSet) {
      if (!theirs.has(leaf)) continue;
      const path = JSON.parse(leaf) as string[];
      // "." marks a list item's existence; only values can conflict.
      if (path[path.length - 1] === '.') continue;
      if (jsonEqual(valueAtPath(live, path), valueAtPath(applied, path))) continue;
      if (force) taken.add(leaf);
      else {
        conflicts.push({
          reason: 'FieldManagerConflict',
          message: `conflict with "${e.manager}"${e.operation === 'Update' ? ' using ' + e.apiVersion : ''}`,
          field: '.' + path.map((p) => (p.startsWith('f:') ? p.slice(2) : `[${p}]`)).join('.'),
        });
      }
    }
  }
  if (conflicts.length > 0) {
    const name = applied.metadata?.name ?? '';
    throw new ApiStatusError(
      409,
      'Conflict',
      `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts.map((c) => `${c.message}: ${c.field}`).join('\n')}`,
      { name },
      conflicts,
    );
  }

  let merged = structuredClone(live ?? {}) as KubeObject;
  const ownedByOthers = new Set<string>();
  for (const e of others) for (const leaf of fromFieldsV1(e.fieldsV1)) ownedByOthers.add(leaf);
  for (const leaf of oldSet) {
    if (!newSet.has(leaf) && !ownedByOthers.has(leaf))
      removePath(merged, JSON.parse(leaf) as string[]);
  }
  merged = mergeApplied(merged, appliedScope, ctx.lists) as KubeObject;
  if (ctx.subresource !== 'status') {
    merged.apiVersion = applied.apiVersion ?? merged.apiVersion;
    merged.kind = applied.kind ?? merged.kind;
  }

  const nextEntries = others.map((e) => {
    if (!force) return e;
    const set = fromFieldsV1(e.fieldsV1);
    for (const leaf of taken) set.delete(leaf);
    return { ...e, fieldsV1: toFieldsV1(set) };
  });
  nextEntries.push(ownEntry(ctx, 'Apply', newSet));
  return withEntries(merged, nextEntries);
}
