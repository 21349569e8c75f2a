import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BfdState,
  createUdpBfdTransport,
  encodeControlPacket,
  type BfdDatagram,
  type BfdTransport,
} from '../../src/bfd/index.js';
import {
  BPF_MAX_INSTRUCTIONS,
  TTL_MARK_BYTES,
  fittedTtlFilter,
  ttlFilterProgram,
} from '../../src/bfd/io/ttl-filter.js';
import { controlPacket } from './harness.js';

/**
 * RFC 5881 5 / RFC 5883 5 on real sockets: the kernel's filter (ttl-filter.ts) sees the TTL
 * node:dgram hides. Loopback keeps the TTL a sender sets, so each case sends the same packet
 * with different TTLs and checks what the transport hands up. Linux only (socket filters).
 */
const linux = process.platform === 'linux';

const packet = encodeControlPacket(
  controlPacket({ state: BfdState.Down, myDiscriminator: 0x1111, yourDiscriminator: 0x2222 }),
);

const open: Array<BfdTransport | Socket> = [];
afterEach(async () => {
  for (const x of open.splice(0)) {
    if ('onDatagram' in x) await x.close();
    else x.close();
  }
});

async function listen(
  localAddress: string,
  receiveTtlFloor?: number,
): Promise<{ transport: BfdTransport; got: BfdDatagram[] }> {
  const transport = await createUdpBfdTransport({
    localAddress,
    listenPort: 0,
    ...(receiveTtlFloor !== undefined ? { receiveTtlFloor } : {}),
  });
  open.push(transport);
  expect((transport as { ttlCheckUnavailable?: string }).ttlCheckUnavailable).toBeUndefined();
  const got: BfdDatagram[] = [];
  transport.onDatagram((d) => got.push(d));
  return { transport, got };
}

async function sender(address: string): Promise<Socket> {
  const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  open.push(s);
  await new Promise<void>((resolve) => s.bind(0, address, resolve));
  return s;
}

function send(s: Socket, ttl: number, payload: Buffer, to: BfdTransport): Promise<void> {
  s.setTTL(ttl);
  return new Promise((resolve, reject) =>
    s.send(payload, to.local.port, to.local.address, (e) => (e ? reject(e) : resolve())),
  );
}

async function until(got: BfdDatagram[], n: number): Promise<void> {
  for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(got).toHaveLength(n);
}

describe.runIf(linux)('BFD received TTL, checked by the kernel (UDP transport)', () => {
  for (const [family, address] of [
    ['IPv4', '127.0.0.1'],
    ['IPv6', '::1'],
  ] as const) {
    it(`single hop (${family}): TTL 255 arrives whole; TTL 254 and 64 arrive cut and marked below the floor`, async () => {
      const { transport, got } = await listen(address);
      const s = await sender(address);
      await send(s, 255, packet, transport);
      await until(got, 1);
      await send(s, 254, packet, transport);
      await send(s, 64, packet, transport);
      await until(got, 3);
      expect(got[0]!.payload.equals(packet)).toBe(true);
      expect(got[0]!.belowTtlFloor).toBeUndefined();
      for (const d of got.slice(1)) {
        expect(d.belowTtlFloor).toBe(true);
        expect(d.payload).toHaveLength(TTL_MARK_BYTES);
        // Your Discriminator survives the cut: the discard is counted on its session.
        expect(d.payload.readUInt32BE(8)).toBe(0x2222);
      }
    });
  }

  it('a datagram of exactly the cut length with a good TTL is dropped, so it cannot pass for a cut one', async () => {
    const { transport, got } = await listen('127.0.0.1');
    const s = await sender('127.0.0.1');
    await send(s, 255, packet.subarray(0, TTL_MARK_BYTES), transport);
    await send(s, 255, packet.subarray(0, TTL_MARK_BYTES + 1), transport);
    await send(s, 255, packet, transport);
    await until(got, 2);
    expect(got.map((d) => d.payload.length)).toEqual([TTL_MARK_BYTES + 1, packet.length]);
    expect(got.some((d) => d.belowTtlFloor)).toBe(false);
  });

  it('multihop: no floor by default; a per-peer minimum applies to that source only and can be lifted', async () => {
    const { transport, got } = await listen('127.0.0.1', 0);
    const peer = await sender('127.0.0.1');
    const other = await sender('127.0.0.2');
    await send(peer, 3, packet, transport);
    await until(got, 1);
    expect(got[0]!.belowTtlFloor).toBeUndefined();
    // Many peers before the one that matters: the jumps of a long program still land right.
    const floors = new Map<string, number>();
    for (let i = 1; i <= 300; i++) floors.set(`198.18.${i >> 8}.${i & 255}`, 250);
    floors.set('127.0.0.1', 200);
    transport.setTtlFloors!(floors);
    await send(peer, 199, packet, transport);
    await send(peer, 200, packet, transport);
    await send(other, 3, packet, transport);
    await until(got, 4);
    expect(got.slice(1).map((d) => [d.from.address, d.belowTtlFloor ?? false])).toEqual([
      ['127.0.0.1', true],
      ['127.0.0.1', false],
      ['127.0.0.2', false],
    ]);
    transport.setTtlFloors!(new Map());
    await send(peer, 3, packet, transport);
    await until(got, 5);
    expect(got[4]!.belowTtlFloor).toBeUndefined();
  });

  it('IPv6 multihop floors compare the whole source address', async () => {
    const { transport, got } = await listen('::1', 0);
    const s = await sender('::1');
    transport.setTtlFloors!(new Map([['::2', 250]]));
    await send(s, 10, packet, transport);
    transport.setTtlFloors!(
      new Map([
        ['::2', 250],
        ['::1', 250],
      ]),
    );
    await send(s, 10, packet, transport);
    await until(got, 2);
    expect(got.map((d) => d.belowTtlFloor ?? false)).toEqual([false, true]);
  });
});

describe('the filter program', () => {
  it('fits the kernel: every jump lands inside the program, and it ends in returns', () => {
    const floors = new Map<string, number>();
    for (let i = 0; i < 200; i++) floors.set(`2001:db8::${i.toString(16)}`, 254);
    const program = ttlFilterProgram('ipv6', { minimum: 255, perPeer: floors });
    expect(program.length).toBeLessThanOrEqual(4096);
    program.forEach((ins, i) => {
      const cls = ins.code & 0x07;
      if (cls !== 0x05) return; // BPF_JMP
      if ((ins.code & 0xf0) === 0x00) expect(i + 1 + ins.k).toBeLessThan(program.length);
      else {
        expect(i + 1 + ins.jt).toBeLessThan(program.length);
        expect(i + 1 + ins.jf).toBeLessThan(program.length);
      }
    });
    expect(program.at(-1)!.code).toBe(0x06);
  });

  it('more per-peer floors than one program holds: every source gets the lowest, and the reason is given', () => {
    const floors = new Map<string, number>();
    for (let i = 0; i < 400; i++) floors.set(`2001:db8::${i.toString(16)}`, 250 - (i % 5));
    expect(
      fittedTtlFilter('ipv6', { minimum: 255, perPeer: new Map([...floors].slice(0, 10)) }),
    ).not.toHaveProperty('limited');
    const fitted = fittedTtlFilter('ipv6', { minimum: 255, perPeer: floors });
    expect(fitted.program.length).toBeLessThanOrEqual(BPF_MAX_INSTRUCTIONS);
    expect(fitted.program).toEqual(ttlFilterProgram('ipv6', { minimum: 246 }));
    expect(fitted.limited).toMatch(/400 per-peer minimum TTLs .* the lowest, 246$/);
  });
});
