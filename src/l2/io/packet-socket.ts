/**
 * A node's port on a real segment: an AF_PACKET raw socket (packet(7)) bound to the node's own
 * veth, through koffi (the FFI src/bgp/io/socket-options.ts uses; Node has no packet sockets).
 * MetalLB's speaker does the same through mdlayher/arp and mdlayher/ndp.
 *
 * The socket is non-blocking and one shared timer polls every open socket every few ms with
 * recv(MSG_DONTWAIT) until EAGAIN, so the event loop never blocks and no libuv worker thread
 * is parked in a blocking read. Sends are synchronous and never block (a packet socket queues
 * or drops, it does not wait). Needs CAP_NET_RAW (root), like the lab itself.
 */
import { readFileSync } from 'node:fs';
import { SpeakersimError } from '../../core/errors.js';
import { loadLibc } from '../../core/libc.js';
import { SOCK_CLOEXEC, SOCK_NONBLOCK } from '../../bgp/io/socket-options.js';
import type { L2Port } from '../port.js';

// <sys/socket.h>, <linux/if_packet.h>, <linux/if_ether.h> (x86-64 and arm64 alike).
const AF_PACKET = 17;
const SOCK_RAW = 3;
const ETH_P_ALL = 0x0003;
const MSG_DONTWAIT = 0x40;
const EINTR = 4;
/** sizeof(struct sockaddr_ll). */
const SOCKADDR_LL_BYTES = 20;
/** How often the shared poller reads every open socket. */
export const PACKET_POLL_MS = 5;
const FRAME_BUFFER_BYTES = 2048;

export class L2SocketError extends SpeakersimError {
  constructor(code: 'ERR_L2_SOCKET' | 'ERR_L2_UNSUPPORTED', message: string) {
    super(code, message);
  }
}

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
  errno(): number;
}

let libc: Libc | undefined;

function packetLibc(): Libc {
  if (libc) return libc;
  if (process.platform !== 'linux') {
    throw new L2SocketError(
      'ERR_L2_UNSUPPORTED',
      `AF_PACKET sockets are Linux's; this is ${process.platform}`,
    );
  }
  try {
    const c = loadLibc();
    const socket = c.func('int socket(int, int, int)');
    const bind = c.func('int bind(int, const void *, uint32_t)');
    const recv = c.func('intptr_t recv(int, void *, size_t, int)');
    const send = c.func('intptr_t send(int, const void *, size_t, int)');
    const close = c.func('int close(int)');
    libc = {
      socket: (d, t, p) => socket(d, t, p),
      bind: (fd, a, l) => bind(fd, a, l),
      recv: (fd, b, l, f) => Number(recv(fd, b, l, f)),
      send: (fd, b, l, f) => Number(send(fd, b, l, f)),
      close: (fd) => close(fd),
      errno: () => c.errno(),
    };
    return libc;
  } catch (error) {
    throw new L2SocketError(
      'ERR_L2_UNSUPPORTED',
      `packet sockets need the koffi FFI, which did not load (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** struct sockaddr_ll for bind(2): every protocol (ETH_P_ALL) on interface `ifindex`. */
export function encodeSockaddrLl(ifindex: number): Buffer {
  const b = Buffer.alloc(SOCKADDR_LL_BYTES);
  b.writeUInt16LE(AF_PACKET, 0); // sll_family, host order
  b.writeUInt16BE(ETH_P_ALL, 2); // sll_protocol, network order
  b.writeInt32LE(ifindex, 4); // sll_ifindex
  return b;
}

const open = new Set<PacketSocketPort>();
let poller: ReturnType<typeof setInterval> | undefined;

function pollAll(): void {
  for (const p of open) p.drain();
}

class PacketSocketPort implements L2Port {
  private readonly handlers: ((frame: Buffer) => void)[] = [];
  private readonly buf = Buffer.alloc(FRAME_BUFFER_BYTES);
  private fd: number | undefined;
  /** Frames read and sent, for the bench and tests. */
  readonly counters = { received: 0, sent: 0, sendErrors: 0 };

  constructor(
    private readonly c: Libc,
    fd: number,
    readonly mac: string,
    readonly ifname: string,
  ) {
    this.fd = fd;
  }

  send(frame: Buffer): void {
    if (this.fd === undefined) return;
    if (this.c.send(this.fd, frame, frame.length, MSG_DONTWAIT) < 0) this.counters.sendErrors++;
    else this.counters.sent++;
  }

  onFrame(handler: (frame: Buffer) => void): void {
    this.handlers.push(handler);
  }

  drain(): void {
    while (this.fd !== undefined) {
      const n = this.c.recv(this.fd, this.buf, this.buf.length, MSG_DONTWAIT);
      if (n < 0) {
        const e = this.c.errno();
        if (e === EINTR) continue;
        return; // EAGAIN: nothing more now; anything else: try again at the next poll
      }
      this.counters.received++;
      const frame = Buffer.from(this.buf.subarray(0, n));
      for (const h of this.handlers) {
        try {
          h(frame);
        } catch {
          // A handler's failure must not stop the poll of the other ports.
        }
      }
    }
  }

  async close(): Promise<void> {
    if (this.fd === undefined) return;
    this.c.close(this.fd);
    this.fd = undefined;
    open.delete(this);
    if (open.size === 0 && poller) {
      clearInterval(poller);
      poller = undefined;
    }
  }
}

/** Opens a raw packet socket on interface `ifname` (which must exist) whose MAC is `mac`. */
export function openPacketPort(ifname: string, mac: string): L2Port {
  const c = packetLibc();
  let ifindex: number;
  try {
    ifindex = Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8').trim());
  } catch {
    throw new L2SocketError('ERR_L2_SOCKET', `no interface ${ifname}`);
  }
  // Protocol 0 at socket(): nothing is queued until bind() names the interface and ETH_P_ALL,
  // so no frame of another interface slips in between (packet(7)).
  const fd = c.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const e = c.errno();
    throw new L2SocketError(
      'ERR_L2_SOCKET',
      `socket(AF_PACKET): errno ${e}${e === 1 ? ' (EPERM: needs CAP_NET_RAW)' : ''}`,
    );
  }
  const addr = encodeSockaddrLl(ifindex);
  if (c.bind(fd, addr, addr.length) !== 0) {
    const e = c.errno();
    c.close(fd);
    throw new L2SocketError('ERR_L2_SOCKET', `bind(AF_PACKET, ${ifname}): errno ${e}`);
  }
  const port = new PacketSocketPort(c, fd, mac, ifname);
  open.add(port);
  if (!poller) {
    poller = setInterval(pollAll, PACKET_POLL_MS);
    poller.unref();
  }
  return port;
}
