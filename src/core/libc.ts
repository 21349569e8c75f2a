/**
 * The C library through koffi (a prebuilt FFI, no compiler), loaded once per process and shared
 * by everything that needs a system call Node does not offer: socket options and setns(2)
 * (src/bgp/io/socket-options.ts), AF_PACKET sockets (src/l2/io/packet-socket.ts), BPF socket
 * filters (src/bfd/io/ttl-filter.ts). Throws when
 * koffi or libc.so.6 cannot be loaded; callers turn that into their own error with a reason.
 */
import { createRequire } from 'node:module';

export interface Libc {
  /** A C function by its declaration, e.g. `int close(int)`. */
  func(signature: string): (...args: unknown[]) => number;
  /** errno of the last call made through `func`. */
  errno(): number;
  /** koffi itself, for native memory a call points into (alloc, encode, address, free). */
  koffi: unknown;
}

let libc: Libc | undefined;

export function loadLibc(): Libc {
  if (libc) return libc;
  const koffi = createRequire(import.meta.url)('koffi') as {
    load(path: string): { func(signature: string): (...args: unknown[]) => number };
    errno(): number;
  };
  const lib = koffi.load('libc.so.6');
  libc = { func: (signature) => lib.func(signature), errno: () => koffi.errno(), koffi };
  return libc;
}
