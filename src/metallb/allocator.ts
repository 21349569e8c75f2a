/**
 * MetalLB's IP allocator (reference §16; internal/allocator): which Service holds which IPs,
 * IP sharing by key and ports, pool choice by pinning and priority, first free IP in CIDR
 * order, and the per-pool counters of IPAddressPool.status. Pure state: no I/O, randomness
 * injected (ties between equally good pools are broken at random, as upstream's map order and
 * unstable sort do).
 */
import type { Random } from '../core/random.js';
import type { MetallbConfig, ParsedPool } from './config.js';
import { goQuote, goQuoteList } from './go-format.js';
import { type Cidr, type IPAddr, type IPFamily, cidrContains, cidrLast, formatIP } from './ip.js';
import { anySelectorMatches } from './labels.js';
import { type PoolCounters, isBuggyIP, poolCounters } from './pool.js';
import type { FamilyPolicy, Outcome, Port, ServiceFamily } from './service-ip.js';
import { familyOfIPs, familyPolicy, portString } from './service-ip.js';
import type { Service } from './types.js';

interface SharingKey {
  sharing: string;
  backend: string;
}

interface Alloc {
  pool: string;
  ips: IPAddr[];
  ports: Port[];
  key: SharingKey;
}

interface FamilyPick {
  pool: string;
  ipv4?: IPAddr;
  ipv6?: IPAddr;
}

function pick(p: FamilyPick, f: ServiceFamily): IPAddr | undefined {
  return f === 'ipv4' ? p.ipv4 : f === 'ipv6' ? p.ipv6 : undefined;
}

const NO_AVAILABLE_IPS = 'no available IPs';

export class Allocator {
  private pools = new Map<string, ParsedPool>();
  private poolsByNamespace = new Map<string, string[]>();
  private poolsByServiceSelector: string[] = [];
  private readonly allocated = new Map<string, Alloc>();
  // Keyed by ipKey(): a bigint, so the allocation walk formats no text per address.
  private readonly sharingKeyForIP = new Map<bigint, SharingKey>();
  private readonly portsInUse = new Map<bigint, Map<string, string>>();
  private readonly servicesOnIP = new Map<bigint, Set<string>>();
  /** pool -> ip -> number of services using it (distinct IPs = map size). */
  private readonly poolIPsInUse = new Map<
    string,
    { ipv4: Map<string, number>; ipv6: Map<string, number> }
  >();

  /**
   * Per CIDR, an address below which every address is in use (or buggy where the pool avoids
   * them), so a Service that shares nothing starts its walk there: sequential allocation stays
   * linear instead of quadratic. Lowered when an address is freed, cleared with the pools.
   */
  private readonly freeHints = new Map<string, { cidr: Cidr; hint: bigint }>();

  constructor(private readonly random: Random) {}

  /** Replaces the pools; existing allocations move to the pool now holding their IPs, or go. */
  setPools(
    config: Pick<MetallbConfig, 'pools' | 'poolsByNamespace' | 'poolsByServiceSelector'>,
  ): void {
    this.pools = config.pools;
    this.freeHints.clear();
    this.poolsByNamespace = config.poolsByNamespace;
    this.poolsByServiceSelector = config.poolsByServiceSelector;
    for (const [svc, alloc] of [...this.allocated]) {
      const pool = this.poolFor(alloc.ips);
      if (!pool) {
        this.unassign(svc);
        continue;
      }
      if (pool.name !== alloc.pool) {
        this.unassign(svc);
        this.record(svc, { ...alloc, pool: pool.name });
      }
    }
    for (const name of [...this.poolIPsInUse.keys()]) {
      if (!this.pools.has(name)) this.poolIPsInUse.delete(name);
    }
  }

  /** The pool whose CIDRs contain all the IPs (buggy IPs excluded when it avoids them). */
  poolFor(ips: readonly IPAddr[]): ParsedPool | undefined {
    for (const p of this.pools.values()) {
      let count = 0;
      for (const ip of ips) {
        if (p.avoidBuggyIPs && isBuggyIP(ip)) continue;
        if (p.cidrs.some((c) => cidrContains(c, ip))) count++;
      }
      if (count === ips.length) return p;
    }
    return undefined;
  }

  pool(svcKey: string): string {
    return this.allocated.get(svcKey)?.pool ?? '';
  }

  ips(svcKey: string): IPAddr[] {
    return [...(this.allocated.get(svcKey)?.ips ?? [])];
  }

  /** IPAddressPool.status counters; undefined for an unknown pool. */
  countersForPool(name: string): PoolCounters | undefined {
    const p = this.pools.get(name);
    if (!p) return undefined;
    const inUse = this.poolIPsInUse.get(name);
    return poolCounters(p.cidrs, p.avoidBuggyIPs, inUse?.ipv4.size ?? 0, inUse?.ipv6.size ?? 0);
  }

  /** Services holding an address of the pool (metallb_allocator_services_allocated_total). */
  servicesInPool(name: string): number {
    let n = 0;
    for (const a of this.allocated.values()) if (a.pool === name) n++;
    return n;
  }

  isPoolCompatibleWithService(p: ParsedPool, svc: Service): boolean {
    const sa = p.serviceAllocation;
    if (!sa) return true;
    if (sa.namespaces.size > 0 && !sa.namespaces.has(svc.metadata.namespace ?? '')) return false;
    if (sa.serviceSelectors.length > 0)
      return anySelectorMatches(sa.serviceSelectors, svc.metadata.labels);
    return true;
  }

  /** Gives `ips` to the service if configuration and sharing rules allow it; else the reason. */
  assign(
    svcKey: string,
    svc: Service,
    ips: IPAddr[],
    ports: Port[],
    sharing: string,
    backend: string,
  ): Outcome<void> {
    const pool = this.poolFor(ips);
    if (!pool)
      return { ok: false, message: `${goQuoteList(ips.map(formatIP))} is not allowed in config` };
    if (!this.isPoolCompatibleWithService(pool, svc)) {
      return { ok: false, message: `pool ${pool.name} not compatible for ip assignment` };
    }
    if (ips.length > 2)
      return { ok: false, message: `more than two addresses ${goQuoteList(ips.map(formatIP))}` };
    if (ips.length === 2 && ips[0]!.family === ips[1]!.family) {
      return {
        ok: false,
        message: `${goQuote(formatIP(ips[0]!))} ${goQuote(formatIP(ips[1]!))} has the same family`,
      };
    }
    const key = { sharing, backend };
    for (const ip of ips) {
      const problem = this.checkSharing(svcKey, ip, ports, key);
      if (problem) return { ok: false, message: problem };
    }
    this.record(svcKey, { pool: pool.name, ips: [...ips], ports: [...ports], key });
    return { ok: true, value: undefined };
  }

  /** Frees the service's IPs (idempotent). */
  unassign(svcKey: string): void {
    const al = this.allocated.get(svcKey);
    if (!al) return;
    this.allocated.delete(svcKey);
    for (const ip of al.ips) {
      const s = ipKey(ip);
      const ports = this.portsInUse.get(s);
      for (const port of al.ports) {
        if (ports?.get(portString(port)) === svcKey) ports.delete(portString(port));
      }
      this.servicesOnIP.get(s)?.delete(svcKey);
      if (this.servicesOnIP.get(s)?.size === 0) this.servicesOnIP.delete(s);
      if (!this.servicesOnIP.has(s)) {
        this.portsInUse.delete(s);
        this.sharingKeyForIP.delete(s);
        for (const h of this.freeHints.values()) {
          if (h.hint > ip.value && cidrContains(h.cidr, ip)) h.hint = ip.value;
        }
      }
      const use = this.poolIPsInUse.get(al.pool)?.[ip.family];
      if (use) {
        const text = formatIP(ip);
        const n = (use.get(text) ?? 0) - 1;
        if (n <= 0) use.delete(text);
        else use.set(text, n);
      }
    }
  }

  /** Any suitable pool: pinned pools by priority first, then unpinned autoAssign pools. */
  allocate(
    svcKey: string,
    svc: Service,
    family: ServiceFamily,
    ports: Port[],
    sharing: string,
    backend: string,
  ): Outcome<IPAddr[]> {
    const existing = this.allocated.get(svcKey);
    if (existing) {
      const r = this.assign(svcKey, svc, existing.ips, ports, sharing, backend);
      return r.ok ? { ok: true, value: [...existing.ips] } : r;
    }
    const pinned = this.pinnedPoolsFor(svc);
    const fromPinned = this.allocateFromPools(pinned, svcKey, svc, family, ports, sharing, backend);
    if (fromPinned.ok) return fromPinned;
    const unpinned = this.shuffled(
      [...this.pools.values()].filter((p) => p.autoAssign && p.serviceAllocation === undefined),
    );
    const fromAll = this.allocateFromPools(unpinned, svcKey, svc, family, ports, sharing, backend);
    if (fromAll.ok) return fromAll;
    return { ok: false, message: NO_AVAILABLE_IPS };
  }

  /** From the named pool (even with autoAssign false). */
  allocateFromPool(
    svcKey: string,
    svc: Service,
    family: ServiceFamily,
    poolName: string,
    ports: Port[],
    sharing: string,
    backend: string,
  ): Outcome<IPAddr[]> {
    const existing = this.allocated.get(svcKey);
    const policy = familyPolicy(svc);
    if (existing) {
      const fam = familyOfIPs(existing.ips);
      if (!fam.ok) return fam;
      if (policy !== 'PreferDualStack' && fam.value !== family) {
        return {
          ok: false,
          message: `IP for wrong family assigned alloc ${fam.value} service family ${family}`,
        };
      }
      const r = this.assign(svcKey, svc, existing.ips, ports, sharing, backend);
      return r.ok ? { ok: true, value: [...existing.ips] } : r;
    }
    const pool = this.pools.get(poolName);
    if (!pool) return { ok: false, message: `unknown pool ${goQuote(poolName)}` };
    const free = this.freeIPsFromPool(pool, svcKey, ports, sharing, backend);
    const ips = selectForPolicy(free, family, policy);
    if (!ips.ok) return ips;
    const r = this.assign(svcKey, svc, ips.value, ports, sharing, backend);
    return r.ok ? ips : r;
  }

  /** PreferDualStack with one IP: add one of the missing family from the same pool. */
  allocateAdditionalFamily(
    svcKey: string,
    svc: Service,
    existingIP: IPAddr,
    poolName: string,
    ports: Port[],
    sharing: string,
    backend: string,
  ): Outcome<IPAddr> {
    const additional: IPFamily = existingIP.family === 'ipv4' ? 'ipv6' : 'ipv4';
    const pool = this.pools.get(poolName);
    if (!pool) return { ok: false, message: `unknown pool ${goQuote(poolName)}` };
    const free = this.freeIPsFromPool(pool, svcKey, ports, sharing, backend);
    const ips = selectForPolicy(free, additional, 'SingleStack');
    if (!ips.ok) return ips;
    const r = this.assign(svcKey, svc, [existingIP, ips.value[0]!], ports, sharing, backend);
    return r.ok ? { ok: true, value: ips.value[0]! } : r;
  }

  private record(svcKey: string, alloc: Alloc): void {
    this.unassign(svcKey);
    this.allocated.set(svcKey, alloc);
    for (const ip of alloc.ips) {
      const s = ipKey(ip);
      const text = formatIP(ip);
      this.sharingKeyForIP.set(s, alloc.key);
      const ports = this.portsInUse.get(s) ?? new Map<string, string>();
      for (const port of alloc.ports) ports.set(portString(port), svcKey);
      this.portsInUse.set(s, ports);
      const svcs = this.servicesOnIP.get(s) ?? new Set<string>();
      svcs.add(svcKey);
      this.servicesOnIP.set(s, svcs);
      const use = this.poolIPsInUse.get(alloc.pool) ?? { ipv4: new Map(), ipv6: new Map() };
      use[ip.family].set(text, (use[ip.family].get(text) ?? 0) + 1);
      this.poolIPsInUse.set(alloc.pool, use);
    }
  }

  private checkSharing(
    svcKey: string,
    addr: IPAddr,
    ports: Port[],
    key: SharingKey,
  ): string | undefined {
    const ip = ipKey(addr);
    const existing = this.sharingKeyForIP.get(ip);
    if (!existing) return undefined;
    if (sharingProblem(existing, key) !== undefined) {
      // Incompatible keys are fine when this service is the only user: it changes its own key.
      const others = [...(this.servicesOnIP.get(ip) ?? [])].filter((s) => s !== svcKey);
      if (others.length > 0) {
        return `can't change sharing key for ${goQuote(svcKey)}, address also in use by ${others.join(',')}`;
      }
    }
    const inUse = this.portsInUse.get(ip);
    for (const port of ports) {
      const cur = inUse?.get(portString(port));
      if (cur !== undefined && cur !== svcKey) {
        return `port ${portString(port)} is already in use on ${goQuote(formatIP(addr))}`;
      }
    }
    return undefined;
  }

  /** checkSharing without building messages: the allocation walk calls it per used IP. */
  private sharingAllows(
    svcKey: string,
    ip: bigint,
    ports: readonly string[],
    key: SharingKey,
  ): boolean {
    const existing = this.sharingKeyForIP.get(ip);
    if (!existing) return true;
    const compatible =
      existing.sharing !== '' &&
      existing.sharing === key.sharing &&
      existing.backend === key.backend;
    if (!compatible) {
      const svcs = this.servicesOnIP.get(ip);
      if (svcs && (svcs.size > 1 || !svcs.has(svcKey))) return false;
    }
    const inUse = this.portsInUse.get(ip);
    if (!inUse) return true;
    for (const port of ports) {
      const cur = inUse.get(port);
      if (cur !== undefined && cur !== svcKey) return false;
    }
    return true;
  }

  /** First usable IP of each family, CIDRs in pool order, addresses ascending. */
  private freeIPsFromPool(
    pool: ParsedPool,
    svcKey: string,
    ports: Port[],
    sharing: string,
    backend: string,
  ): FamilyPick {
    const out: FamilyPick = { pool: pool.name };
    for (const c of pool.cidrs) {
      if (out[c.family] !== undefined) continue;
      const ip = this.freeIPFromCidr(c, pool.avoidBuggyIPs, svcKey, ports, { sharing, backend });
      if (ip) out[c.family] = ip;
    }
    return out;
  }

  private freeIPFromCidr(
    c: Cidr,
    avoidBuggyIPs: boolean,
    svcKey: string,
    ports: Port[],
    key: SharingKey,
  ): IPAddr | undefined {
    const last = cidrLast(c).value;
    const portKeys = ports.map(portString);
    const hintKey = `${c.family}/${c.network}/${c.prefix}`;
    const h = this.freeHints.get(hintKey) ?? { cidr: c, hint: c.network };
    this.freeHints.set(hintKey, h);
    // Without a sharing key no used address can be taken, so the used prefix is skipped;
    // with one, a shareable address may sit anywhere and the walk starts at the beginning.
    const start = key.sharing === '' ? h.hint : c.network;
    // Only used (or buggy) addresses are stepped over, so the walk is bounded by the number
    // of allocations, not by the CIDR's size.
    for (let v = start; v <= last; v++) {
      const ip: IPAddr = { family: c.family, value: v };
      if (avoidBuggyIPs && isBuggyIP(ip)) continue;
      if (!this.sharingAllows(svcKey, ipKey(ip), portKeys, key)) continue;
      if (v > h.hint) h.hint = v;
      return ip;
    }
    if (last + 1n > h.hint) h.hint = last + 1n;
    return undefined;
  }

  private pinnedPoolsFor(svc: Service): ParsedPool[] {
    const names = [
      ...(this.poolsByNamespace.get(svc.metadata.namespace ?? '') ?? []),
      ...this.poolsByServiceSelector,
    ];
    const pools: ParsedPool[] = [];
    for (const n of names) {
      const p = this.pools.get(n);
      if (!p || !p.autoAssign || !this.isPoolCompatibleWithService(p, svc)) continue;
      if (!pools.includes(p)) pools.push(p);
    }
    // Lower priority value wins; 0 (unset) comes last; equal priorities in random order.
    const rank = (p: ParsedPool): number => {
      const prio = p.serviceAllocation?.priority ?? 0;
      return prio > 0 ? prio : Number.POSITIVE_INFINITY;
    };
    return this.shuffled(pools).sort((a, b) => rank(a) - rank(b) || 0);
  }

  private allocateFromPools(
    pools: ParsedPool[],
    svcKey: string,
    svc: Service,
    family: ServiceFamily,
    ports: Port[],
    sharing: string,
    backend: string,
  ): Outcome<IPAddr[]> {
    const policy = familyPolicy(svc);
    const primary: IPFamily = svc.spec.ipFamilies?.[0] === 'IPv6' ? 'ipv6' : 'ipv4';
    const best = this.bestPoolFor(pools, svcKey, family, primary, policy, ports, sharing, backend);
    if (!best) return { ok: false, message: `no suitable pool for ${family} IPFamily` };
    const ips = selectForPolicy(best, family, policy);
    if (ips.ok && this.assign(svcKey, svc, ips.value, ports, sharing, backend).ok) return ips;
    return { ok: false, message: NO_AVAILABLE_IPS };
  }

  private bestPoolFor(
    pools: ParsedPool[],
    svcKey: string,
    family: ServiceFamily,
    primary: IPFamily,
    policy: FamilyPolicy,
    ports: Port[],
    sharing: string,
    backend: string,
  ): FamilyPick | undefined {
    const secondary: IPFamily = primary === 'ipv4' ? 'ipv6' : 'ipv4';
    let primaryCandidate: FamilyPick | undefined;
    let secondaryCandidate: FamilyPick | undefined;
    for (const pool of pools) {
      const free = this.freeIPsFromPool(pool, svcKey, ports, sharing, backend);
      if (pick(free, family)) return free;
      if (free.ipv4 && free.ipv6) return free;
      if (!(policy === 'PreferDualStack' && family === 'dual')) continue;
      // IPv4 is the primary family unless the Service lists IPv6 first.
      primaryCandidate ??= free[primary] ? free : undefined;
      secondaryCandidate ??= free[secondary] ? free : undefined;
    }
    return primaryCandidate ?? secondaryCandidate;
  }

  private shuffled<T>(items: T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.random.next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
}

/** A map key per address: IPv4 as its value, IPv6 as a negative number (no collisions). */
function ipKey(ip: IPAddr): bigint {
  return ip.family === 'ipv4' ? ip.value : -ip.value - 1n;
}

function sharingProblem(existing: SharingKey, next: SharingKey): string | undefined {
  if (existing.sharing === '') return 'existing service does not allow sharing';
  if (next.sharing === '') return 'new service does not allow sharing';
  if (existing.sharing !== next.sharing) {
    return `sharing key ${goQuote(next.sharing)} does not match existing sharing key ${goQuote(existing.sharing)}`;
  }
  if (existing.backend !== next.backend) {
    return `backend key ${goQuote(next.backend)} does not match existing sharing key ${goQuote(existing.backend)}`;
  }
  return undefined;
}

function selectForPolicy(
  p: FamilyPick,
  family: ServiceFamily,
  policy: FamilyPolicy,
): Outcome<IPAddr[]> {
  switch (policy) {
    case 'SingleStack': {
      const ip = pick(p, family);
      if (ip) return { ok: true, value: [ip] };
      break;
    }
    case 'RequireDualStack':
      if (p.ipv4 && p.ipv6) return { ok: true, value: [p.ipv4, p.ipv6] };
      break;
    case 'PreferDualStack':
      if (p.ipv4 && p.ipv6) return { ok: true, value: [p.ipv4, p.ipv6] };
      if (p.ipv4) return { ok: true, value: [p.ipv4] };
      if (p.ipv6) return { ok: true, value: [p.ipv6] };
      break;
  }
  return { ok: false, message: `no available IPs in pool ${p.pool} for ${family} IPFamily` };
}
