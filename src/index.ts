/**
 * speakersim's library API, the package's one entry point (`import { Speaker } from
 * 'speakersim'`): what the CLI, the scenario runner and the tests build on.
 *
 * - BGP (RFC 4271 and extensions, src/bgp): Speaker and its Peers, Neighbor (BGP + optional BFD
 *   + RFC 5882/9384 coupling), BgpSession, the transports (TcpTransport, MemoryNetwork), and the
 *   wire codec as `codec` (decodeMessage, encode*, BgpFramer, ...).
 * - BFD (RFC 5880, 5881, 5883, src/bfd) as `bfd`: BfdSessionTable, transports, codec.
 * - Kubernetes (src/k8s): ApiServer (envtest-like), KubeClient.
 * - MetalLB (src/metallb): MetallbRuntime (controller + per-node speakers writing status CRs).
 * - Scenarios (src/scenario): loadScenario / parseScenario, runScenario, reports.
 * - Labs (src/lab): createPeerBackend (builtin, netns, compose); the live view (src/ui).
 * - Core: clocks, randomness, SpeakersimError (every error has a stable ERR_<AREA>_<WHAT> code).
 *
 * Deep imports of src/ files are not part of the API; what is missing here and needed outside
 * belongs here.
 */

// core
export { SystemClock, ManualClock, type Clock, type Timer } from './core/clock.js';
export { SeededRandom, systemRandom, type Random } from './core/random.js';
export { SpeakersimError } from './core/errors.js';
export { stableJson } from './core/stable-json.js';

// BGP
export {
  Speaker,
  Peer,
  type PeerConfig,
  type SpeakerComponents,
  type AddressFamily,
  type ReceivedRoute,
} from './bgp/speaker.js';
export {
  Neighbor,
  type NeighborInit,
  type NeighborComponents,
  type NeighborListeners,
  type NeighborCounters,
} from './bgp/neighbor.js';
export {
  BgpSession,
  BgpSessionError,
  type BgpSessionInit,
  type BgpSessionComponents,
  type BgpSessionListeners,
  type SessionMessageEvent,
  type SessionTransitionEvent,
} from './bgp/session.js';
export type { RouteAttributes } from './bgp/rib.js';
export { TcpTransport } from './bgp/io/tcp.js';
export { MemoryNetwork } from './bgp/io/memory.js';
export { TransportError, type Transport, type Connection } from './bgp/io/transport.js';
export * as codec from './bgp/wire/index.js';

// BFD
export * as bfd from './bfd/index.js';

// Kubernetes
export { ApiServer, type ApiServerOptions } from './k8s/api-server.js';
export { KubeClient, KubeClientError, type ObjectRef, type KubeResource } from './k8s/client.js';

// MetalLB
export type { FrrMetricsNames } from './metallb/metrics.js';
export {
  MetallbRuntime,
  type MetallbRuntimeInit,
  type MetallbRuntimeComponents,
} from './metallb/runtime/runtime.js';

// Scenarios
export {
  loadScenario,
  parseScenario,
  parseScenarioFile,
  validateScenarioFiles,
  checkRunSettings,
  type LoadOptions,
} from './scenario/load.js';
export { ScenarioError, ScenarioLoadError, ScenarioErrorCode } from './scenario/errors.js';
export {
  runScenario,
  StepRunner,
  type RunOptions,
  type ScenarioOutcome,
} from './scenario/runner/run.js';
export { ScenarioSession } from './scenario/runner/session.js';
export type { Scenario, Backend, ClockMode, Action } from './scenario/types.js';
export { actionMaxDurationMs, injectAction, INJECT_NAMES } from './scenario/registry/actions.js';
export type { TimelineEvent } from './scenario/timeline.js';
export { formatEvent, sessionPeer } from './scenario/report/format.js';
export { scenarioRun, type ScenarioRun } from './scenario/report/model.js';
export { writeHtmlReport } from './scenario/report/html.js';
export { writeJsonLines } from './scenario/report/jsonl.js';
export { writeJunit } from './scenario/report/junit.js';

// Live view (the browser page of a running scenario)
export { LiveViewServer } from './ui/server.js';
export { sessionSource } from './ui/source.js';

// Labs
export { createPeerBackend, type PeerBackendDeps } from './lab/backends.js';
export type { PeerBackend, PeerBackendKind } from './lab/peer-backend.js';
export type { LabTopology } from './lab/topology.js';
