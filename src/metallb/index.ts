/**
 * The MetalLB model: what MetalLB's controller and speakers (with frr-k8s) decide and report,
 * as pure functions and classes (no I/O; time and randomness are parameters). Sources: the
 * reference sheet (docs/metallb-crs.md, cited as "reference §N"), upstream metallb/metallb and
 * metallb/frr-k8s behaviour; BGP attribute rules cite RFC 4271, 1997, 8092, 4760; BFD states
 * RFC 5880.
 *
 * Data flow:
 *   CRs (types.ts) -> buildConfig (config.ts: parse + validate, controller or speaker view)
 *     -> controller: Allocator + convergeService (allocator.ts, converge.ts) -> Service status,
 *        pool counters (pool.ts), Events; ConfigurationState "controller" (validate.ts)
 *     -> speaker: planBgp (announce.ts) -> per node/peer routes + ServiceBGPStatus;
 *        planL2 (l2.ts) -> ServiceL2Status; frrRoutersForNode + renderRunningConfig
 *        (frr-config.ts; FRRConfiguration toReceive from frr-configuration.ts) -> FRRNodeState;
 *        bgpSessionStateObject (session-state.ts);
 *        ConfigurationState "speaker-<node>" (validate.ts)
 *   webhook.ts, admission.ts: what MetalLB's webhooks refuse, as an API server admission hook
 *   (the CRDs' CEL rules are evaluated by the API server from crds/).
 *   metrics.ts: MetalLB's Prometheus metric names in a caller's registry.
 */
export * from './types.js';
export * from './ip.js';
export * from './labels.js';
export * from './community.js';
export * from './duration.js';
export * from './pool.js';
export * from './config.js';
export * from './validate.js';
export * from './service-ip.js';
export * from './allocator.js';
export * from './converge.js';
export * from './endpoints.js';
export * from './nodes.js';
export * from './announce.js';
export * from './l2.js';
export * from './session-state.js';
export * from './frr-config.js';
export * from './frr-configuration.js';
export * from './metrics.js';
export * from './webhook.js';
export * from './admission.js';
export { goQuote, goQuoteList } from './go-format.js';
export { MetallbInputError } from './errors.js';
