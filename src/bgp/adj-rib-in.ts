/**
 * Adj-RIB-In (RFC 4271 3.2): the routes one peer has sent us, per address family, with their
 * RFC 7911 path identifiers (two paths to one prefix are two routes), and the stale marks of
 * RFC 4724 (graceful restart) and RFC 7313 (enhanced route refresh).
 *
 * An UPDATE is applied as the decoder judged it: its withdrawals, then its announcements,
 * except those RFC 7606 treat-as-withdraw turned into withdrawals (`withdrawnByError`).
 * End-of-RIB markers (RFC 4724 2) are recognised and reported; what they mean (purging stale
 * routes) is the caller's decision, since it depends on why the routes are stale.
 */
import {
  AFI_IPV4,
  SAFI_UNICAST,
  endOfRibFamily,
  familyKey,
  type AfiSafi,
  type Nlri,
  type PathAttributes,
  type UpdateMessage,
} from './wire/index.js';
import type { FamilyNlri } from './wire/update.js';

export interface AdjRibInRoute {
  prefix: string;
  /** RFC 7911 path identifier, when ADD-PATH is received for the family. */
  pathId?: number;
  /** The attributes of the UPDATE that announced the route (shared by its other routes). */
  attributes: PathAttributes;
  /** RFC 4724 4.2 / RFC 7313 4: kept from before, to be refreshed or purged. */
  stale: boolean;
}

export interface AppliedUpdate {
  announced: number;
  withdrawn: number;
  /** The family this UPDATE is the End-of-RIB marker of (RFC 4724 2). */
  endOfRib?: AfiSafi;
}

function routeKey(n: Nlri): string {
  return n.pathId === undefined ? n.prefix : `${n.prefix}#${n.pathId}`;
}

export class AdjRibIn {
  /** family key ("1/1") -> route key (prefix, or prefix#pathId) -> route. */
  private readonly families = new Map<string, Map<string, AdjRibInRoute>>();
  private count = 0;
  private staleRoutes = 0;

  /** Applies a received UPDATE (RFC 4271 9: withdrawals first, then announcements). */
  apply(update: UpdateMessage, withdrawnByError: readonly FamilyNlri[] = []): AppliedUpdate {
    const eor = endOfRibFamily(update);
    if (eor) return { announced: 0, withdrawn: 0, endOfRib: eor };
    let withdrawn = 0;
    const remove = (f: AfiSafi, list: readonly Nlri[]): void => {
      const table = this.families.get(familyKey(f.afi, f.safi));
      if (!table) return;
      for (const n of list) {
        const key = routeKey(n);
        const had = table.get(key);
        if (!had) continue;
        table.delete(key);
        this.count--;
        if (had.stale) this.staleRoutes--;
        withdrawn++;
      }
    };
    const v4 = { afi: AFI_IPV4, safi: SAFI_UNICAST };
    remove(v4, update.withdrawn);
    const unreach = update.attributes.mpUnreach;
    if (unreach) remove(unreach, unreach.withdrawn);
    // RFC 7606 2: treat-as-withdraw: the routes announced are withdrawn instead.
    if (withdrawnByError.length > 0) {
      for (const f of withdrawnByError) remove(f, f.nlri);
      return { announced: 0, withdrawn };
    }
    let announced = 0;
    const add = (f: AfiSafi, list: readonly Nlri[]): void => {
      if (list.length === 0) return;
      const fk = familyKey(f.afi, f.safi);
      let table = this.families.get(fk);
      if (!table) this.families.set(fk, (table = new Map()));
      for (const n of list) {
        const key = routeKey(n);
        const had = table.get(key);
        if (had) {
          if (had.stale) this.staleRoutes--;
        } else this.count++;
        const route: AdjRibInRoute = {
          prefix: n.prefix,
          attributes: update.attributes,
          stale: false,
        };
        if (n.pathId !== undefined) route.pathId = n.pathId;
        table.set(key, route);
        announced++;
      }
    };
    add(v4, update.nlri);
    const reach = update.attributes.mpReach;
    if (reach) add(reach, reach.nlri);
    return { announced, withdrawn };
  }

  /** Marks every route of `family` (all families when left out) stale; returns how many. */
  markStale(family?: AfiSafi): number {
    let marked = 0;
    for (const table of this.tables(family)) {
      for (const r of table.values()) {
        if (r.stale) continue;
        r.stale = true;
        marked++;
      }
    }
    this.staleRoutes += marked;
    return marked;
  }

  /** Removes the stale routes of `family` (all families when left out); returns how many. */
  purgeStale(family?: AfiSafi): number {
    let purged = 0;
    for (const table of this.tables(family)) {
      for (const [key, r] of table) {
        if (!r.stale) continue;
        table.delete(key);
        purged++;
      }
    }
    this.count -= purged;
    this.staleRoutes -= purged;
    return purged;
  }

  /**
   * Forgets every route of `family` (all families when left out): RFC 4271 8.2.2, the
   * session went down without graceful restart for it.
   */
  clear(family?: AfiSafi): void {
    for (const table of this.tables(family)) {
      for (const r of table.values()) {
        this.count--;
        if (r.stale) this.staleRoutes--;
      }
      table.clear();
    }
  }

  /** The families with at least one route. */
  familiesHeld(): AfiSafi[] {
    const out: AfiSafi[] = [];
    for (const [key, table] of this.families) {
      if (table.size === 0) continue;
      const [afi, safi] = key.split('/').map(Number);
      out.push({ afi: afi!, safi: safi! });
    }
    return out;
  }

  get size(): number {
    return this.count;
  }

  get staleCount(): number {
    return this.staleRoutes;
  }

  /** The route to `prefix` (the one with `pathId` under ADD-PATH), in any family. */
  get(prefix: string, pathId?: number): AdjRibInRoute | undefined {
    const key = routeKey({ prefix, pathId });
    for (const table of this.families.values()) {
      const r = table.get(key);
      if (r) return r;
    }
    return undefined;
  }

  has(prefix: string, pathId?: number): boolean {
    return this.get(prefix, pathId) !== undefined;
  }

  /** Every route, family by family. */
  *routes(family?: AfiSafi): IterableIterator<AdjRibInRoute> {
    for (const table of this.tables(family)) yield* table.values();
  }

  /** [prefix, attributes] of every route, as a Map of prefixes would give them. */
  *[Symbol.iterator](): IterableIterator<[string, PathAttributes]> {
    for (const r of this.routes()) yield [r.prefix, r.attributes];
  }

  private tables(family?: AfiSafi): Map<string, AdjRibInRoute>[] {
    if (!family) return [...this.families.values()];
    const t = this.families.get(familyKey(family.afi, family.safi));
    return t ? [t] : [];
  }
}
