/**
 * Per-peer TCP socket options Node does not expose: the RFC 2385 MD5 signature key
 * (TCP_MD5SIG), the TTL / hop limit of what we send (IP_TTL, IPV6_UNICAST_HOPS) and the GTSM
 * minimum on what we accept (RFC 5082: IP_MINTTL, IPV6_MINHOPCOUNT).
 *
 * They are set with setsockopt(2) through koffi (a prebuilt FFI, no compiler) on Linux. An
 * active open needs the MD5 key before the SYN: `openTcpSocket` makes the descriptor here, the
 * options go on it, and node:net connects and runs it (tcp.ts). A passive open takes its keys
 * from the listening socket (Linux copies them to each accepted connection), so the keys of
 * every peer that may connect go on the listener.
 *
 * The struct encoders are pure and tested byte by byte; only `LinuxSocketCalls` touches libc.
 */
import { closeSync, openSync } from 'node:fs';
import { loadLibc, type Libc } from '../../core/libc.js';
import net from 'node:net';
import { parseIpv4, parseIpv6 } from '../wire/ip.js';
import { TransportError } from './transport.js';

// <sys/socket.h>, <netinet/in.h>, <linux/tcp.h>, <linux/in6.h> (x86-64 and arm64 alike).
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
/** socket(2) type flags, shared with the L2 packet sockets (src/l2/io/packet-socket.ts). */
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_IP = 0;
const IPPROTO_TCP = 6;
const IPPROTO_IPV6 = 41;
const IP_TTL = 2;
const IP_MINTTL = 21;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MINHOPCOUNT = 73;
const TCP_MD5SIG = 14;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
/** <sched.h>: setns(2) into a network namespace. */
const CLONE_NEWNET = 0x40000000;

/** RFC 2385 has no length limit; Linux's TCP_MD5SIG_MAXKEYLEN is 80 bytes. */
export const TCP_MD5_MAX_KEY_BYTES = 80;
/** sizeof(struct tcp_md5sig): sockaddr_storage 128, flags 1, prefixlen 1, keylen 2, ifindex 4, key 80. */
export const TCP_MD5SIG_SIZE = 216;

export type SocketFamily = 'ipv4' | 'ipv6';

/** What to set for the connections to one peer. */
export interface PeerSocketOptions {
  /** RFC 2385 key (1-80 bytes of UTF-8). */
  md5Key?: string;
  /** TTL / hop limit of what we send: 1 for eBGP single hop (FRR's default), 1-255. */
  ttl?: number;
  /** RFC 5082 GTSM: segments that arrive with a lower TTL are dropped by the kernel, 1-255. */
  minTtl?: number;
}

export function socketFamilyOf(address: string): SocketFamily {
  return net.isIPv6(address) ? 'ipv6' : 'ipv4';
}

/** A peer address as a socket of `family` sees it: IPv4 on an IPv6 socket is ::ffff:a.b.c.d. */
function sockaddr(family: SocketFamily, address: string, port = 0): Buffer {
  const v4 = parseIpv4(address);
  const bytes = family === 'ipv4' ? v4 : parseIpv6(v4 ? `::ffff:${address}` : address);
  if (!bytes) {
    throw new TransportError('ERR_TRANSPORT_IO', `${address} is no ${family} peer address`);
  }
  // sa_family is host order (little-endian on linux-x64 and arm64), the port 0, then the address.
  const b = Buffer.alloc(family === 'ipv4' ? 16 : 28);
  b.writeUInt16LE(family === 'ipv4' ? AF_INET : AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  bytes.copy(b, family === 'ipv4' ? 4 : 8);
  return b;
}

/**
 * struct tcp_md5sig for `peer` as seen by a socket of `family`. An empty key removes the peer's
 * key (Linux: tcpm_keylen 0 deletes).
 */
export function encodeTcpMd5Sig(family: SocketFamily, peer: string, key: string): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  if (keyBytes.length > TCP_MD5_MAX_KEY_BYTES) {
    throw new TransportError(
      'ERR_TRANSPORT_IO',
      `TCP MD5 key for ${peer} is ${keyBytes.length} bytes; Linux takes at most ${TCP_MD5_MAX_KEY_BYTES}`,
    );
  }
  const b = Buffer.alloc(TCP_MD5SIG_SIZE);
  sockaddr(family, peer).copy(b, 0); // tcpm_addr: sockaddr_storage, 128 bytes
  // tcpm_flags 0, tcpm_prefixlen 0: the key is for this one address.
  b.writeUInt16LE(keyBytes.length, 130); // tcpm_keylen
  // tcpm_ifindex 0 (any interface) at 132.
  keyBytes.copy(b, 136); // tcpm_key
  return b;
}

/** Calls into libc; one instance per process. */
interface SocketCalls {
  socket(family: SocketFamily): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, what: string): void;
  close(fd: number): void;
  /** setns(2) of the calling thread's network namespace to the one `fd` refers to. */
  setns(fd: number, what: string): void;
  bind(fd: number, address: Buffer, what: string): void;
  listen(fd: number, backlog: number): void;
}

class LinuxSocketCalls implements SocketCalls {
  private readonly fn: {
    socket: (...a: unknown[]) => number;
    setsockopt: (...a: unknown[]) => number;
    close: (...a: unknown[]) => number;
    setns: (...a: unknown[]) => number;
    bind: (...a: unknown[]) => number;
    listen: (...a: unknown[]) => number;
  };

  constructor(private readonly libc: Libc) {
    this.fn = {
      socket: libc.func('int socket(int, int, int)'),
      setsockopt: libc.func('int setsockopt(int, int, int, const void *, uint32_t)'),
      close: libc.func('int close(int)'),
      setns: libc.func('int setns(int, int)'),
      bind: libc.func('int bind(int, const void *, uint32_t)'),
      listen: libc.func('int listen(int, int)'),
    };
  }

  setns(fd: number, what: string): void {
    if (this.fn.setns(fd, CLONE_NEWNET) !== 0) throw errnoError(what, this.libc.errno());
  }

  bind(fd: number, address: Buffer, what: string): void {
    if (this.fn.bind(fd, address, address.length) !== 0) throw errnoError(what, this.libc.errno());
  }

  listen(fd: number, backlog: number): void {
    if (this.fn.listen(fd, backlog) !== 0) throw errnoError('listen', this.libc.errno());
  }

  socket(family: SocketFamily): number {
    const fd = this.fn.socket(
      family === 'ipv4' ? AF_INET : AF_INET6,
      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
      0,
    );
    if (fd < 0) throw errnoError('socket', this.libc.errno());
    return fd;
  }

  setsockopt(fd: number, level: number, name: number, value: Buffer, what: string): void {
    if (this.fn.setsockopt(fd, level, name, value, value.length) !== 0) {
      throw errnoError(what, this.libc.errno());
    }
  }

  close(fd: number): void {
    this.fn.close(fd);
  }
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  9: 'EBADF',
  13: 'EACCES',
  22: 'EINVAL',
  24: 'EMFILE',
  92: 'ENOPROTOOPT',
  97: 'EAFNOSUPPORT',
};

function errnoError(what: string, errno: number): TransportError {
  const name = ERRNO_NAMES[errno] ?? `errno ${errno}`;
  return new TransportError(
    errno === 92 ? 'ERR_TRANSPORT_UNSUPPORTED' : 'ERR_TRANSPORT_IO',
    `${what}: ${name}`,
  );
}

let calls: SocketCalls | undefined;
let unavailable: string | undefined;
let probed = false;

function probe(): void {
  if (probed) return;
  probed = true;
  if (process.platform !== 'linux') {
    unavailable = `TCP MD5 signatures and TTL security need Linux's TCP_MD5SIG and IP_MINTTL socket options; this is ${process.platform}`;
    return;
  }
  try {
    calls = new LinuxSocketCalls(loadLibc());
  } catch (error) {
    unavailable = `TCP MD5 signatures and TTL security need setsockopt through the koffi FFI, which did not load here (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Why per-peer socket options cannot be set in this process, or undefined when they can. */
export function socketOptionsUnavailable(): string | undefined {
  probe();
  return unavailable;
}

function requireCalls(): SocketCalls {
  probe();
  if (!calls) throw new TransportError('ERR_TRANSPORT_UNSUPPORTED', unavailable ?? 'unavailable');
  return calls;
}

/**
 * A fresh non-blocking TCP socket for node:net to connect (`new net.Socket({ fd })`); with
 * `netns` (a path such as /run/netns/NAME), made inside that network namespace.
 */
export function openTcpSocket(family: SocketFamily, netns?: string): number {
  const c = requireCalls();
  return netns === undefined ? c.socket(family) : inNetworkNamespace(netns, () => c.socket(family));
}

/**
 * Runs `fn` with the calling thread in network namespace `path` and moves it back before
 * returning. A socket keeps the namespace it was made in (netns(7)), so what `fn` creates
 * synchronously lives there while node:net or node:dgram run it from this thread. Only
 * synchronous socket creation may happen inside: the event loop never runs in between.
 */
export function inNetworkNamespace<T>(path: string, fn: () => T): T {
  const c = requireCalls();
  const home = openSync('/proc/thread-self/ns/net', 'r');
  try {
    const target = openSync(path, 'r');
    try {
      c.setns(target, `setns(${path})`);
    } finally {
      closeSync(target);
    }
    try {
      return fn();
    } finally {
      // Not getting back would leave every later socket of the process in the lab's namespace.
      c.setns(home, 'setns(back)');
    }
  } finally {
    closeSync(home);
  }
}

/**
 * A listening TCP socket on `address`:`port` made inside network namespace `netns`, for
 * `net.Server.listen({ fd })` (node:net cannot bind in another namespace itself).
 */
export function openTcpListener(
  family: SocketFamily,
  address: string,
  port: number,
  netns: string,
): number {
  const c = requireCalls();
  const fd = openTcpSocket(family, netns);
  try {
    c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, int32(1), 'setsockopt(SO_REUSEADDR)');
    c.bind(fd, sockaddr(family, address, port), `bind(${address}:${port})`);
    c.listen(fd, 511);
    return fd;
  } catch (error) {
    c.close(fd);
    throw error;
  }
}

export function closeFd(fd: number): void {
  requireCalls().close(fd);
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  return b;
}

/** setsockopt(2) of `value` on `fd`; throws a TransportError naming `what` and the errno. */
export function setSocketOption(
  fd: number,
  level: number,
  name: number,
  value: Buffer,
  what: string,
): void {
  requireCalls().setsockopt(fd, level, name, value, what);
}

/** Installs (or, with an empty key, removes) `peer`'s MD5 key on socket `fd`. */
export function setMd5Key(fd: number, family: SocketFamily, peer: string, key: string): void {
  requireCalls().setsockopt(
    fd,
    IPPROTO_TCP,
    TCP_MD5SIG,
    encodeTcpMd5Sig(family, peer, key),
    `setsockopt(TCP_MD5SIG, ${peer})`,
  );
}

/**
 * TTL of what we send. On an IPv6 socket both the hop limit and (for IPv4-mapped peers) the
 * IPv4 TTL are set.
 */
export function setTtl(fd: number, family: SocketFamily, ttl: number): void {
  const c = requireCalls();
  if (family === 'ipv6') {
    c.setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, int32(ttl), 'setsockopt(IPV6_UNICAST_HOPS)');
  }
  c.setsockopt(fd, IPPROTO_IP, IP_TTL, int32(ttl), 'setsockopt(IP_TTL)');
}

/** RFC 5082 3: the kernel drops what arrives with a TTL below `minTtl`. */
export function setMinTtl(fd: number, family: SocketFamily, minTtl: number): void {
  const c = requireCalls();
  if (family === 'ipv6') {
    c.setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, int32(minTtl), 'setsockopt(IPV6_MINHOPCOUNT)');
  }
  c.setsockopt(fd, IPPROTO_IP, IP_MINTTL, int32(minTtl), 'setsockopt(IP_MINTTL)');
}

/** The TTL and minimum TTL of `options` on `fd` (the MD5 key goes per peer: setMd5Key). */
export function applyTtlOptions(
  fd: number,
  family: SocketFamily,
  options: PeerSocketOptions,
): void {
  if (options.ttl !== undefined) setTtl(fd, family, options.ttl);
  if (options.minTtl !== undefined) setMinTtl(fd, family, options.minTtl);
}

/** MAXTTL: what FRR sends to iBGP peers and to eBGP multihop peers without a hop count. */
export const MAX_TTL = 255;

/**
 * The TTL a BGP speaker sends with, as FRR does: 1 to a single-hop eBGP peer (RFC 4271 leaves
 * it to the implementation; a directly connected peer is one hop away), the configured count to
 * an eBGP multihop peer, 255 to an iBGP peer.
 */
export function bgpSendTtl(peer: { internal: boolean; ebgpMultihop?: number }): number {
  if (peer.internal) return MAX_TTL;
  return peer.ebgpMultihop ?? 1;
}

/**
 * TTL options for a BGP peer. With GTSM (`ttlSecurityHops`, FRR's `ttl-security hops N`),
 * RFC 5082 3: send with TTL 255 and accept only what arrives with at least 256 - N.
 */
export function bgpTtlOptions(peer: {
  internal: boolean;
  ebgpMultihop?: number;
  ttlSecurityHops?: number;
}): Pick<PeerSocketOptions, 'ttl' | 'minTtl'> {
  if (peer.ttlSecurityHops !== undefined) {
    return { ttl: MAX_TTL, minTtl: MAX_TTL + 1 - peer.ttlSecurityHops };
  }
  return { ttl: bgpSendTtl(peer) };
}
