import { containerPid, inContainer, inContainerNet } from './compose.js';
import { LabCommandError, LabNotFoundError } from './errors.js';
import { run } from './exec.js';
import {
  addPacketFault,
  removePacketFault,
  type NetExec,
  type PacketFaultHandle,
} from './faults.js';
import { parseBfdPeers, parseBgpNeighbors, parseBgpRoutes } from './frr-json.js';
import { labDown, labUp } from './lifecycle.js';
import { NetnsBackend } from './netns-backend.js';
import type { DropDirection, PacketFault } from './nft.js';
import {
  bgpTableCommand,
  frrRoutesWithDetail,
  type RouterDaemonName,
  type RouterPath,
} from './peer-backend.js';
import { canonicalAddress } from './topology.js';
import { runVtysh } from './vtysh.js';

/**
 * Real FRR 8.4 in compose containers (src/lab/compose.ts): the same topology, rendered files,
 * faults and readers as the netns backend, reached through `docker exec` (vtysh, daemons) and
 * `nsenter -n` into the container's network namespace (nft, links).
 */
export class ComposeBackend extends NetnsBackend {
  override readonly name = 'compose' as const;
  private pids: Record<string, number> = {};

  override async up(): Promise<void> {
    if (this.topology.routers.length === 0) return;
    const lab = await labUp(this.topology, { cleanupOnExit: true, backend: 'compose' });
    this.started = true;
    for (const r of this.topology.routers) {
      this.pids[r.name] = await containerPid(this.topology.name, r.name);
    }
    this.info = lab.routers.map(
      (r) =>
        `${r.name}: FRR in container ${r.namespace} (AS ${r.asn}); look inside: ${r.commands.vtysh}`,
    );
  }

  override async down(): Promise<void> {
    this.faults.clear();
    if (!this.started) return;
    this.started = false;
    await labDown(this.topology.name, { force: true });
  }

  private spec(router: string) {
    const r = this.topology.routers.find((x) => x.name === router);
    if (!r) throw new LabNotFoundError(`router ${router} in lab ${this.topology.name}`);
    return r;
  }

  protected override routerNet(router: string): NetExec {
    return this.net(router);
  }

  /** The container's network namespace, through its init process. */
  protected override routerNetns(router: string): string {
    this.spec(router);
    const pid = this.pids[router];
    if (pid === undefined) throw new LabNotFoundError(`container of ${router} (lab not up)`);
    return `/proc/${pid}/ns/net`;
  }

  private net(router: string): NetExec {
    this.spec(router);
    const pid = this.pids[router];
    if (pid === undefined) throw new LabNotFoundError(`container of ${router} (lab not up)`);
    return (argv) => inContainerNet(pid, argv);
  }

  override vtysh(router: string, commands: string[]): Promise<string> {
    this.spec(router);
    const argv = inContainer(this.topology.name, router, [
      'vtysh',
      ...commands.flatMap((c) => ['-c', c]),
    ]);
    return runVtysh(argv, commands);
  }

  override async neighbors(router: string) {
    return parseBgpNeighbors(await this.vtysh(router, ['show bgp neighbors json']));
  }

  override async routes(
    router: string,
    family: 'ipv4' | 'ipv6',
    vrf?: string,
  ): Promise<Record<string, RouterPath[]>> {
    const out = await this.vtysh(router, [bgpTableCommand(family, vrf)]);
    const table = parseBgpRoutes(out, family).routes as Record<string, RouterPath[]>;
    return frrRoutesWithDetail(table, family, (c) => this.vtysh(router, c), vrf);
  }

  override async bfdPeers(router: string) {
    return parseBfdPeers(await this.vtysh(router, ['show bfd peers json']));
  }

  /** The host end of the veth that carries the router's first interface (Docker names it). */
  private async hostVeth(router: string): Promise<string> {
    const itf = this.spec(router).interfaces[0]!;
    const own = new Set([itf.ipv4, itf.ipv6].filter((a): a is string => !!a).map(canonicalAddress));
    const inside = JSON.parse(
      (await run(this.net(router)(['ip', '-j', 'addr', 'show']))).stdout,
    ) as { ifname: string; link_index?: number; addr_info?: { local?: string }[] }[];
    const link = inside.find((l) =>
      (l.addr_info ?? []).some((a) => a.local !== undefined && own.has(canonicalAddress(a.local))),
    );
    const host = JSON.parse((await run(['ip', '-j', 'link', 'show'])).stdout) as {
      ifindex: number;
      ifname: string;
    }[];
    const veth = host.find((l) => link?.link_index !== undefined && l.ifindex === link.link_index);
    if (!veth) {
      throw new LabCommandError(
        ['ip', 'link'],
        null,
        `no host veth for ${router}'s ${itf.segment}`,
      );
    }
    return veth.ifname;
  }

  protected override async cableDown(router: string): Promise<void> {
    await run(['ip', 'link', 'set', await this.hostVeth(router), 'down']);
  }

  protected override async cableUp(router: string): Promise<void> {
    await run(['ip', 'link', 'set', await this.hostVeth(router), 'up']);
  }

  private async addFault(router: string, fault: PacketFault): Promise<PacketFaultHandle> {
    const tag = await addPacketFault(this.net(router), this.topology.name, fault);
    return { ref: this.ref(router), fault, tag };
  }

  protected override dropAll(router: string, address: string): Promise<PacketFaultHandle> {
    return this.addFault(router, { kind: 'drop-all', peer: address });
  }

  protected override dropPackets(
    protocol: 'bgp' | 'bfd',
    router: string,
    peer: string | undefined,
    direction: DropDirection,
  ): Promise<PacketFaultHandle> {
    return this.addFault(router, {
      kind: protocol === 'bgp' ? 'drop-bgp' : 'drop-bfd',
      peer,
      direction,
    });
  }

  protected override restore(handle: PacketFaultHandle): Promise<number> {
    return removePacketFault(this.net(handle.ref.router), this.topology.name, handle.tag);
  }

  override async daemon(
    op: 'kill' | 'restart',
    router: string,
    daemon: RouterDaemonName,
  ): Promise<void> {
    this.spec(router);
    const helper = (verb: string) =>
      run(inContainer(this.topology.name, router, ['speakersim-frr', verb, daemon]), {
        timeoutMs: 30_000,
      });
    await helper('kill');
    if (op === 'restart') await helper('start');
  }
}
