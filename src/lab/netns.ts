import {
  bridgeName,
  hostVethName,
  nodeVrfNamespace,
  nodeVrfVethName,
  nodeBridgePortName,
  nodeMac,
  nodePortName,
  routerIfName,
  routerInterfaceNamespace,
  routerMac,
  routerNamespace,
} from './names.js';
import type { LabTopology } from './topology.js';
import { prefixLength } from './topology.js';

/**
 * Wiring of a lab as a list of `ip`/`sysctl` argument arrays (pure, so tests can read it):
 *
 *   host namespace                          router namespace ssim-<lab>-<router>
 *   ssim-<lab>-b<s> (bridge, node addrs) -- ssim-<lab>-r<r>s<s> ==veth== eth<s> (router addrs)
 *                                           (router in a VRF: eth<s> in ssim-<lab>-<router>.vrf)
 *        |-- ssim-<lab>-p<n> ==veth== ssim-<lab>-n<n> (node n's own port and MAC, no address)
 *
 * The host gets only the lab's bridges and veth ends, hence only connected routes to the lab's
 * segments. No default route anywhere, no link to the uplink. IPv6 DAD is off on lab
 * interfaces (`nodad`, accept_dad=0) so addresses are usable at once.
 */

export type Step = { argv: string[]; creates?: { kind: 'netns' | 'link'; name: string } };

const sysctl = (key: string, value: string): string[] => ['sysctl', '-q', '-w', `${key}=${value}`];
const nsExec = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];

/**
 * A simulated node's own port on the segment: a veth with the node's MAC (`nodeMac`) whose
 * peer is a port of the bridge. The node's BGP and BFD stay on its addresses on the bridge;
 * this port carries its layer 2 announcements, which speakersim sends and answers in user
 * space through an AF_PACKET socket (src/l2/io/packet-socket.ts), as MetalLB's speaker does.
 * The kernel keeps out of it: no address, no ARP (`arp off`), no IPv6, and no forwarding of
 * what arrives on it (traffic to a service IP ends there instead of leaving the lab).
 *
 * A node with an unnumbered interface (`linkLocal`) runs its BGP and BFD over this port: the
 * port then gets IPv6 with only that link-local address (no autoconfiguration: addrgenmode
 * none, accept_ra 0, so a router's RAs give the host no address or default route) and kernel
 * neighbor discovery (no NOARP), with arp_ignore 1 so the kernel still answers no ARP here
 * (the port has no IPv4 address; service IPs stay the L2 responder's).
 */
export function nodePortSteps(
  lab: string,
  nodeIndex: number,
  node: string,
  bridge: string,
  linkLocal?: string,
): Step[] {
  const port = nodePortName(lab, nodeIndex);
  const peer = nodeBridgePortName(lab, nodeIndex);
  const mac = nodeMac(lab, node);
  const ipv6: Step[] = linkLocal
    ? [
        { argv: ['ip', 'link', 'set', port, 'addrgenmode', 'none'] },
        { argv: sysctl(`net.ipv6.conf.${port}.disable_ipv6`, '0') },
        { argv: sysctl(`net.ipv6.conf.${port}.accept_ra`, '0') },
        { argv: sysctl(`net.ipv6.conf.${port}.autoconf`, '0') },
        { argv: sysctl(`net.ipv6.conf.${port}.accept_dad`, '0') },
        { argv: sysctl(`net.ipv4.conf.${port}.arp_ignore`, '1') },
        { argv: ['ip', '-6', 'addr', 'add', `${linkLocal}/64`, 'dev', port, 'nodad'] },
      ]
    : [
        { argv: sysctl(`net.ipv6.conf.${port}.disable_ipv6`, '1') },
        { argv: ['ip', 'link', 'set', port, 'arp', 'off'] },
      ];
  return [
    {
      argv: ['ip', 'link', 'add', port, 'address', mac, 'type', 'veth', 'peer', 'name', peer],
      creates: { kind: 'link', name: port },
    },
    ...ipv6,
    { argv: sysctl(`net.ipv6.conf.${peer}.disable_ipv6`, '1') },
    { argv: sysctl(`net.ipv4.conf.${port}.forwarding`, '0') },
    { argv: ['ip', 'link', 'set', peer, 'master', bridge] },
    { argv: ['ip', 'link', 'set', peer, 'up'] },
    { argv: ['ip', 'link', 'set', port, 'up'] },
  ];
}

/**
 * Neighbor solicitations go to solicited-node multicast groups: the lab's bridges flood
 * multicast as a plain switch does (no MLD snooping), so every node port hears them.
 */
export function bridgeFloodStep(bridge: string): Step {
  return { argv: ['ip', 'link', 'set', bridge, 'type', 'bridge', 'mcast_snooping', '0'] };
}

export function wiringPlan(t: LabTopology): Step[] {
  const steps: Step[] = [];
  const segIndex = new Map(t.segments.map((s, i) => [s.name, i]));

  t.segments.forEach((seg, si) => {
    const br = bridgeName(t.name, si);
    steps.push({
      argv: ['ip', 'link', 'add', br, 'type', 'bridge'],
      creates: { kind: 'link', name: br },
    });
    steps.push({ argv: sysctl(`net.ipv6.conf.${br}.accept_dad`, '0') });
    // FRR sends Router Advertisements on an unnumbered link (lifetime 30 s by default): the
    // host must never take a lab router as its default router (RFC 4861 6.3.4), even where
    // IPv6 forwarding is off and RAs would otherwise be accepted.
    steps.push({ argv: sysctl(`net.ipv6.conf.${br}.accept_ra`, '0') });
    steps.push(bridgeFloodStep(br));
    steps.push({ argv: ['ip', 'link', 'set', br, 'up'] });
    t.nodes.forEach((node, ni) => {
      if (node.segment === seg.name)
        steps.push(...nodePortSteps(t.name, ni, node.name, br, node.interface?.linkLocal));
    });
    for (const node of t.nodes.filter((n) => n.segment === seg.name)) {
      if (node.ipv4 && seg.ipv4Prefix) {
        const cidr = `${node.ipv4}/${prefixLength(seg.ipv4Prefix)}`;
        steps.push({ argv: ['ip', 'addr', 'add', cidr, 'dev', br] });
      }
      if (node.ipv6 && seg.ipv6Prefix) {
        const cidr = `${node.ipv6}/${prefixLength(seg.ipv6Prefix)}`;
        steps.push({ argv: ['ip', '-6', 'addr', 'add', cidr, 'dev', br, 'nodad'] });
      }
    }
  });

  t.routers.forEach((r, ri) => {
    const ns = routerNamespace(t.name, r.name);
    steps.push(...namespaceSteps(ns, true));
    // A router in a VRF: its interfaces go in the VRF's namespace, which FRR (running in `ns`
    // with the netns VRF backend, daemons.ts) takes as that VRF; `ns` keeps only lo.
    const itfNs = routerInterfaceNamespace(t.name, r);
    if (itfNs !== ns) steps.push(...namespaceSteps(itfNs, true));
    for (const itf of r.interfaces) {
      const si = segIndex.get(itf.segment) ?? 0;
      const seg = t.segments[si];
      const host = hostVethName(t.name, ri, si);
      // An unnumbered link's router end carries the router's own MAC, so that its kernel
      // link-local address (modified EUI-64) is the one the topology names (names.ts).
      const mac = itf.linkLocal ? routerMac(t.name, r.name) : undefined;
      steps.push(...vethSteps(t.name, itfNs, host, routerIfName(si), si, itf, seg, mac));
    }
  });

  // A node's interface in a VRF: a namespace of its own (no VRF devices on this kernel), joined
  // to the VRF's segment by a veth; speakersim makes that VRF's sockets inside it. The host
  // namespace gets no address on that segment, so nothing reaches it but through the VRF.
  t.nodes.forEach((node, ni) =>
    (node.vrfs ?? []).forEach((v, vi) => {
      const ns = nodeVrfNamespace(t.name, ni, vi);
      const si = segIndex.get(v.segment) ?? 0;
      const host = nodeVrfVethName(t.name, ni, vi);
      steps.push(...namespaceSteps(ns, false));
      steps.push(...vethSteps(t.name, ns, host, 'eth0', si, v, t.segments[si]));
    }),
  );
  return steps;
}

/**
 * A new namespace with lo up and IPv6 DAD off (set before the interfaces exist so that they
 * inherit it from `default`); a router's (`forwards`) routes between its segments, inside it only.
 */
function namespaceSteps(ns: string, forwards: boolean): Step[] {
  return [
    { argv: ['ip', 'netns', 'add', ns], creates: { kind: 'netns', name: ns } },
    { argv: ['ip', '-n', ns, 'link', 'set', 'lo', 'up'] },
    { argv: nsExec(ns, sysctl('net.ipv6.conf.default.accept_dad', '0')) },
    { argv: nsExec(ns, sysctl('net.ipv6.conf.all.accept_dad', '0')) },
    ...(forwards
      ? [
          { argv: nsExec(ns, sysctl('net.ipv4.ip_forward', '1')) },
          { argv: nsExec(ns, sysctl('net.ipv6.conf.all.forwarding', '1')) },
        ]
      : []),
  ];
}

/**
 * A veth from segment `si`'s bridge (end `host`) into namespace `ns` (end `inner`), with the
 * interface's addresses on the inner end.
 */
function vethSteps(
  lab: string,
  ns: string,
  host: string,
  inner: string,
  si: number,
  itf: { ipv4?: string; ipv6?: string },
  seg: LabTopology['segments'][number] | undefined,
  innerMac?: string,
): Step[] {
  const peer = ['peer', 'name', inner, ...(innerMac ? ['address', innerMac] : []), 'netns', ns];
  const steps: Step[] = [
    {
      argv: ['ip', 'link', 'add', host, 'type', 'veth', ...peer],
      creates: { kind: 'link', name: host },
    },
    // A bridge port carries frames only; it needs no IPv6 of its own.
    { argv: sysctl(`net.ipv6.conf.${host}.disable_ipv6`, '1') },
    { argv: ['ip', 'link', 'set', host, 'master', bridgeName(lab, si)] },
    { argv: ['ip', 'link', 'set', host, 'up'] },
  ];
  if (itf.ipv4 && seg?.ipv4Prefix) {
    const cidr = `${itf.ipv4}/${prefixLength(seg.ipv4Prefix)}`;
    steps.push({ argv: ['ip', '-n', ns, 'addr', 'add', cidr, 'dev', inner] });
  }
  if (itf.ipv6 && seg?.ipv6Prefix) {
    const cidr = `${itf.ipv6}/${prefixLength(seg.ipv6Prefix)}`;
    steps.push({ argv: ['ip', '-n', ns, '-6', 'addr', 'add', cidr, 'dev', inner, 'nodad'] });
  }
  steps.push({ argv: ['ip', '-n', ns, 'link', 'set', inner, 'up'] });
  return steps;
}
