/**
 * The received TTL / Hop Limit check of RFC 5881 5 and RFC 5883 5, done by the kernel.
 *
 * node:dgram hands up neither IP_RECVTTL nor IPV6_RECVHOPLIMIT, so user space cannot read a
 * datagram's TTL. A classic BPF socket filter (SO_ATTACH_FILTER, socket(7)) can: it runs on
 * every datagram of the socket with the IP header reachable at SKF_NET_OFF, and its return value
 * is how many bytes of the datagram (UDP header included) the socket keeps. The program built
 * here keeps a datagram whole when its TTL is at or above the floor of its source, and cuts one
 * below the floor down to TTL_MARK_BYTES of payload: the version/state/length word, My
 * Discriminator and Your Discriminator, enough to name the session it was meant for and count
 * the discard there (RFC 5880 6.8.6 still selects by Your Discriminator first). A datagram
 * whose TTL passes but whose payload is itself exactly TTL_MARK_BYTES long is dropped in the
 * kernel, so a cut one cannot be mistaken for it; at 12 bytes it is no BFD Control packet
 * anyway (RFC 5880 6.8.6: Length < 24 is discarded).
 */
import type { Socket } from 'node:dgram';
import { Address6 } from 'ip-address';
import { loadLibc } from '../../core/libc.js';
import { setSocketOption } from '../../bgp/io/socket-options.js';

/** The kernel's limit on a classic BPF program (BPF_MAXINSNS). */
export const BPF_MAX_INSTRUCTIONS = 4096;

/** Payload bytes left of a datagram below its TTL floor: the first three words of the header. */
export const TTL_MARK_BYTES = 12;

const UDP_HEADER_BYTES = 8;
/** linux/filter.h: negative offsets from here address the network (IP) header. */
const SKF_NET_OFF = -0x100000;
const SOL_SOCKET = 1;
const SO_ATTACH_FILTER = 26;

// linux/bpf_common.h opcodes
const LD_B_ABS = 0x30; // BPF_LD | BPF_B | BPF_ABS
const LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const LD_W_LEN = 0x80; // BPF_LD | BPF_W | BPF_LEN
const TAX = 0x07; // BPF_MISC | BPF_TAX
const TXA = 0x87; // BPF_MISC | BPF_TXA
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const JA = 0x05; // BPF_JMP | BPF_JA
const RET_K = 0x06; // BPF_RET | BPF_K

/** One sock_filter: { __u16 code; __u8 jt; __u8 jf; __u32 k; }. */
export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/**
 * The lowest TTL / Hop Limit a datagram may arrive with: `minimum` for every source, or the
 * floor of its source address in `perPeer`.
 */
export interface TtlFloors {
  minimum: number;
  perPeer?: ReadonlyMap<string, number>;
}

const op = (code: number, k = 0, jt = 0, jf = 0): BpfInstruction => ({ code, jt, jf, k: k >>> 0 });

/** The source address as the 32-bit words `ld [k]` reads (network byte order). */
function addressWords(family: 'ipv4' | 'ipv6', address: string): number[] {
  if (family === 'ipv4') {
    return [address.split('.').reduce((w, octet) => w * 256 + Number(octet), 0)];
  }
  const bytes = new Address6(address).toUnsignedByteArray();
  const b = Buffer.alloc(16);
  Buffer.from(bytes).copy(b, 16 - bytes.length);
  return [0, 4, 8, 12].map((o) => b.readUInt32BE(o));
}

/**
 * The filter program for one socket of `family`. Jumps of a rule stay inside it (8-bit offsets);
 * the rules reach the shared tail through `ja`, whose offset is 32 bits, so any number of peers
 * fits (the kernel takes up to 4,096 instructions: about 340 IPv6 or 800 IPv4 peers).
 */
export function ttlFilterProgram(family: 'ipv4' | 'ipv6', floors: TtlFloors): BpfInstruction[] {
  const ttlOffset = family === 'ipv4' ? 8 : 7; // IPv4 TTL, IPv6 Hop Limit
  const srcOffset = family === 'ipv4' ? 12 : 8;
  // Each rule ends in a `ja` to `pass` or `mark`; their offsets are filled in once the tail's
  // position is known.
  const program: BpfInstruction[] = [op(LD_B_ABS, SKF_NET_OFF + ttlOffset), op(TAX)];
  const toPass: number[] = [];
  const toMark: number[] = [];
  const compareTtl = (floor: number): void => {
    program.push(op(TXA), op(JGE_K, floor, 0, 1));
    toPass.push(program.push(op(JA)) - 1);
    toMark.push(program.push(op(JA)) - 1);
  };
  for (const [peer, floor] of floors.perPeer ?? []) {
    const words = addressWords(family, peer);
    const ruleLength = words.length * 2 + 4;
    words.forEach((word, i) => {
      program.push(op(LD_W_ABS, SKF_NET_OFF + srcOffset + 4 * i));
      // Not this source: skip the rest of the rule.
      program.push(op(JEQ_K, word, 0, ruleLength - 2 * i - 2));
    });
    compareTtl(floor);
  }
  compareTtl(floors.minimum);
  const pass = program.length;
  // The TTL passed: drop a datagram that would look like a cut one, keep the rest whole.
  program.push(op(LD_W_LEN), op(JEQ_K, UDP_HEADER_BYTES + TTL_MARK_BYTES, 0, 1), op(RET_K, 0));
  program.push(op(RET_K, 0xffffffff));
  const mark = program.length;
  program.push(op(RET_K, UDP_HEADER_BYTES + TTL_MARK_BYTES));
  for (const i of toPass) program[i]!.k = pass - i - 1;
  for (const i of toMark) program[i]!.k = mark - i - 1;
  return program;
}

/**
 * The floors as a program the kernel takes: per peer while it fits in BPF_MAX_INSTRUCTIONS,
 * else one floor for every source, the lowest any of them has (so no session loses a packet it
 * accepts), with the reason (`limited`) to report.
 */
export function fittedTtlFilter(
  family: 'ipv4' | 'ipv6',
  floors: TtlFloors,
): { program: BpfInstruction[]; limited?: string } {
  const program = ttlFilterProgram(family, floors);
  if (program.length <= BPF_MAX_INSTRUCTIONS) return { program };
  const lowest = Math.min(floors.minimum, ...(floors.perPeer?.values() ?? []));
  return {
    program: ttlFilterProgram(family, { minimum: lowest }),
    limited: `${floors.perPeer?.size ?? 0} per-peer minimum TTLs need ${program.length} BPF instructions (the kernel takes ${BPF_MAX_INSTRUCTIONS}): every source is held to the lowest, ${lowest}`,
  };
}

/** The program as the kernel's struct sock_filter array. */
export function encodeFilter(program: readonly BpfInstruction[]): Buffer {
  const b = Buffer.alloc(program.length * 8);
  program.forEach(({ code, jt, jf, k }, i) => {
    b.writeUInt16LE(code, i * 8);
    b.writeUInt8(jt, i * 8 + 2);
    b.writeUInt8(jf, i * 8 + 3);
    b.writeUInt32LE(k, i * 8 + 4);
  });
  return b;
}

/** Whether a received payload is one the filter cut: it arrived below its TTL floor. */
export function isBelowTtlFloor(payload: Buffer): boolean {
  return payload.length === TTL_MARK_BYTES;
}

interface Koffi {
  alloc(type: string, count: number): unknown;
  encode(ref: unknown, type: unknown, value: unknown): void;
  array(type: string, count: number): unknown;
  address(ref: unknown): bigint;
  free(ref: unknown): void;
}

/**
 * The file descriptor of a bound node:dgram socket. Node keeps it on the socket's internal
 * state; `_handle` would say the same but prints a deprecation warning.
 */
function dgramFd(socket: Socket): number | undefined {
  const state = Object.getOwnPropertySymbols(socket)
    .filter((s) => s.description === 'state symbol')
    .map((s) => (socket as unknown as Record<symbol, { handle?: { fd?: number } }>)[s])[0];
  const fd = state?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Attaches (or replaces) the TTL filter on `socket`. Returns why it could not, or undefined once
 * the kernel checks every datagram that reaches the socket from now on.
 */
export function attachTtlFilter(
  socket: Socket,
  family: 'ipv4' | 'ipv6',
  program: readonly BpfInstruction[],
): string | undefined {
  if (process.platform !== 'linux')
    return `socket filters are Linux's; this is ${process.platform}`;
  const fd = dgramFd(socket);
  if (fd === undefined) return 'the UDP socket has no file descriptor to filter';
  let koffi: Koffi;
  try {
    koffi = loadLibc().koffi as Koffi;
  } catch (error) {
    return `the koffi FFI did not load (${error instanceof Error ? error.message : String(error)})`;
  }
  const code = encodeFilter(program);
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; }: the kernel copies
  // the program during the call, so the native copy is freed right after.
  const native = koffi.alloc('uint8_t', code.length);
  try {
    koffi.encode(native, koffi.array('uint8_t', code.length), [...code]);
    const fprog = Buffer.alloc(16);
    fprog.writeUInt16LE(code.length / 8, 0);
    fprog.writeBigUInt64LE(koffi.address(native), 8);
    setSocketOption(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 'setsockopt(SO_ATTACH_FILTER)');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    koffi.free(native);
  }
}
