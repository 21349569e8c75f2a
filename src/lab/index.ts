/**
 * lab/: the peers speakersim talks to, behind one PeerBackend interface (peer-backend.ts,
 * factory in backends.ts): builtin speakersim routers (builtin/), real FRR 8.4 routers in Linux
 * network namespaces (netns-backend.ts), or the same FRR in compose containers
 * (compose-backend.ts, compose.ts). The rest of this header is the netns lab, which the compose
 * lab shares (state file, guard, teardown, faults' nft rules, readers).
 *
 * Data flow: a LabTopology (topology.ts, validated) -> wiring steps (netns.ts: bridges with the
 * simulated nodes' addresses in the host namespace, one veth per router into its namespace) ->
 * FRR files rendered from frr/templates (render.ts) -> zebra, bgpd, bfdd, staticd started in each
 * namespace with lab-private sockets and configured by `vtysh -b` (daemons.ts) -> a state file
 * under /run/speakersim/<lab> (state.ts). labDown (teardown.ts) removes it all, also after a
 * crash (by state file and by the `ssim-<lab>-` prefix). Router state comes back through vtysh
 * JSON as typed values (frr-json.ts, router-state.ts); faults.ts and nft.ts break things on
 * purpose. compose.ts renders the same topology as a compose project; registry.ts keeps the
 * running `lab up` processes, their control tokens and the address blocks each holds;
 * relocate.ts moves a second lab of a scenario to free blocks of its own.
 *
 * Protocol references for the faults and checks: RFC 4271 (BGP, TCP 179, hold time),
 * RFC 5880/5881/5883 (BFD, UDP 3784/3785/4784).
 */

export * from './errors.js';
export * from './topology.js';
export * from './names.js';
export { renderRouterFiles, renderFrrConf, renderTemplate, TEMPLATE_DIR } from './render.js';
export type { RenderedRouterFiles } from './render.js';
export { FRR_DAEMONS, isFrrDaemon } from './daemons.js';
export type { FrrDaemon } from './daemons.js';
export {
  labUp,
  labDown,
  labStatus,
  describeLab,
  checkPrerequisites,
  LabPrefixConflictError,
  LabInUseError,
} from './lifecycle.js';
export type {
  LabInfo,
  LabOptions,
  LabUpOptions,
  LabDownReport,
  LabStatus,
  LabRouterInfo,
} from './lifecycle.js';
export * from './frr-json.js';
export * from './router-state.js';
export * from './faults.js';
export { faultTag, nftFaultRules, BFD_PORTS, BGP_PORT } from './nft.js';
export type { PacketFault } from './nft.js';
export * from './peer-backend.js';
export { createPeerBackend } from './backends.js';
export type { PeerBackendDeps } from './backends.js';
export {
  composeProject,
  composeUnavailable,
  composeLeftovers,
  DEFAULT_FRR_IMAGE,
  frrImage,
} from './compose.js';
export * from './registry.js';
export * from './relocate.js';
