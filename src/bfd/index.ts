/**
 * speakersim BFD: RFC 5880 (protocol), RFC 5881 (single hop over UDP 3784), RFC 5883
 * (multihop over UDP 4784). Echo (RFC 5880 6.4) and local Demand mode (6.6) are not
 * implemented and are refused with typed errors.
 *
 * Data flow: BfdTransport (io/) -> BfdSessionTable.handleDatagram -> decodeControlPacket
 * (wire/, packet checks of 6.8.6) -> session lookup by discriminator or addresses ->
 * BfdSession.receive -> pure FSM (fsm/) -> actions: send on the session's BfdTxChannel, arm
 * timers on the injected Clock, emit typed events. Every discarded packet is counted by reason
 * (table-level for decode and lookup failures, session-level for auth and AdminDown).
 *
 * Public API
 * - Sessions:
 *   `new BfdSessionTable({ clock, random, openTransport? })`; `.addTransport(transport, {
 *   multihop?, vrf?, interface? })` or `openTransport(localAddress, { multihop })` to open
 *   one on first use (3784 single hop, 4784 multihop); `await .addSession(config: BfdSessionConfig): BfdSession`;
 *   `.get(discriminator)`, `.find({ localAddress, peerAddress, multihop?, vrf?, interface? })`,
 *   `.sessions()`, `await .removeSession(s)`, `await .close()`, `.discards` (by reason).
 *   `createBfdSession(config)(components)` builds a single session on a channel you own.
 * - BfdSessionConfig: localAddress, peerAddress, peerPort?, multihop?, interface?, vrf?,
 *   desiredMinTxMs? (300), requiredMinRxMs? (300), detectMult? (3), passive?, minimumTtl?
 *   (multihop, RFC 5883 5), auth?
 *   ({ type: BfdAuthType, keys: [{ keyId, secret }], txKeyId? }); echo/demand: refused.
 * - BfdSession: `.on('up' | 'down' | 'init' | 'adminDown' | 'stateChange', (e:
 *   BfdStateChangeEvent) => void)` (e.from, e.to, e.diagnostic: BfdDiagnostic,
 *   e.remoteDiagnostic, e.at, e.wallAt); `.on('discard', reason)`; `.on('pollComplete')`.
 *   'down' fires on Init/Up -> Down only (Diag 1 detection time expired, 3 neighbor down) -
 *   the event a BGP session couples to Cease/10 (RFC 9384). `.state`, `.diagnostic`,
 *   `.localDiscriminator`, `.remoteDiscriminator`, `.counters` (BfdCounters: packetsSent,
 *   packetsReceived, finalsSent, sendErrors, stateChanges, upTransitions, downTransitions,
 *   pollsCompleted, discards by reason), `.snapshot()` (FRR `show bfd peers`-like),
 *   `.adminDown()`, `.adminUp()`, `.setParameters({ desiredMinTxMs?, requiredMinRxMs?,
 *   detectMult?, passive? })` (Poll/Final), `await .stop()` (silent: the peer times out).
 * - Transports (BfdTransport: `local`, `onDatagram(h)`, `openTxChannel(peer?)`,
 *   `settleReceive(fn)`, `close()`): `await createUdpBfdTransport({ localAddress, listenPort?
 *   (3784), sourcePortRange?, ttl? (255), receiveBufferBytes? })` over node:dgram (listenPort
 *   3784/4784 needs root or CAP_NET_BIND_SERVICE; 0 picks a free port); `new
 *   InMemoryBfdNetwork({ clock, latencyMs? }).createTransport({ localAddress, listenPort? })`
 *   with `.setFilter(drop)` for faults. One table can hold several transports (IPv4, IPv6,
 *   multihop: `addTransport(t, { multihop: true })`).
 * - Names: `BFD_STATE_NAMES[state]` ({ name, frrPeer, frrNeighbor }) and
 *   `BFD_DIAGNOSTIC_TEXT[diag]`: the one table every view reads. MetalLB's BFDProfile mapping
 *   and BGPSessionState strings live in src/metallb/bfd-profile.ts.
 * - Security: a packet found by Your Discriminator must also come from the session's peer
 *   address over its hop mode, with TTL 255 single hop (the UDP transport's kernel filter);
 *   while Up its My Discriminator must be the one learned. Otherwise discarded and counted.
 * - Codec: decodeControlPacket, encodeControlPacket, encodeSignedControlPacket,
 *   verifyControlAuth, BFD_DISCARD_REASONS.
 */
export * from './wire/index.js';
export * from './fsm/index.js';
export * from './io/index.js';
export * from './errors.js';
export * from './config.js';
export * from './counters.js';
export * from './events.js';
export * from './session.js';
export * from './session-table.js';
export * from './discriminators.js';
export * from './state-names.js';
