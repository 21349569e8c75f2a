/**
 * `speakersim speaker --config FILE`: one standalone speaker peering with any router (FRR,
 * BIRD, a hardware box in a lab), advertising the routes the file lists, with BFD beside each
 * session if asked. It prints every transition and runs until Ctrl-C (Cease/2 on the way out).
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { Ajv } from 'ajv';
import { SystemClock } from '../core/clock.js';
import { systemRandom } from '../core/random.js';
import { TcpTransport } from '../bgp/io/tcp.js';
import { Speaker } from '../bgp/speaker.js';
import { Neighbor } from '../bgp/neighbor.js';
import { parseCommunity, parseLargeCommunity } from '../bgp/wire/index.js';
import {
  BFD_STATE_NAMES,
  BfdSessionTable,
  bfdPortFor,
  createUdpBfdTransport,
} from '../bfd/index.js';
import { describeNotification } from '../bgp/wire/index.js';
import type { Output } from './output.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['asn', 'peers'],
  properties: {
    node: { type: 'string' },
    localAddress: { type: 'string' },
    asn: { type: 'integer', minimum: 1, maximum: 4294967295 },
    routerId: { type: 'string' },
    peers: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['address', 'asn'],
        properties: {
          address: { type: 'string' },
          asn: {
            anyOf: [
              { type: 'integer', minimum: 1, maximum: 4294967295 },
              { enum: ['internal', 'external'] },
            ],
          },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          localAddress: { type: 'string' },
          holdTime: { type: 'integer', minimum: 0, maximum: 65535 },
          keepalive: { type: 'integer', minimum: 1, maximum: 65535 },
          connectRetry: { type: 'integer', minimum: 1, maximum: 65535 },
          passive: { type: 'boolean' },
          password: { type: 'string' },
          bfd: {
            type: 'object',
            additionalProperties: false,
            // BFDProfile's field names and ranges (metallb-crs.md section 10).
            properties: {
              receiveInterval: { type: 'integer', minimum: 10, maximum: 60000 },
              transmitInterval: { type: 'integer', minimum: 10, maximum: 60000 },
              detectMultiplier: { type: 'integer', minimum: 2, maximum: 255 },
              passiveMode: { type: 'boolean' },
              multihop: { type: 'boolean' },
            },
          },
        },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['prefix'],
        properties: {
          prefix: { type: 'string' },
          nextHop: { type: 'string' },
          communities: { type: 'array', items: { type: 'string' } },
          largeCommunities: { type: 'array', items: { type: 'string' } },
          localPref: { type: 'integer', minimum: 0 },
          med: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
} as const;

interface SpeakerFile {
  node?: string;
  localAddress?: string;
  asn: number;
  routerId?: string;
  peers: {
    address: string;
    asn: number | 'internal' | 'external';
    port?: number;
    localAddress?: string;
    holdTime?: number;
    keepalive?: number;
    connectRetry?: number;
    passive?: boolean;
    password?: string;
    bfd?: {
      receiveInterval?: number;
      transmitInterval?: number;
      detectMultiplier?: number;
      passiveMode?: boolean;
      /** RFC 5883 multihop session (UDP 4784), as FRR runs one beside `ebgp-multihop`. */
      multihop?: boolean;
    };
  }[];
  routes?: {
    prefix: string;
    nextHop?: string;
    communities?: string[];
    largeCommunities?: string[];
    localPref?: number;
    med?: number;
  }[];
}

export async function loadSpeakerConfig(file: string): Promise<SpeakerFile> {
  const text = await readFile(file, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new Error(
      `${file}:${e.linePos?.[0]?.line ?? 1}:${e.linePos?.[0]?.col ?? 1}: ${e.message}`,
    );
  }
  const value = doc.toJS() as unknown;
  const validate = new Ajv({ allErrors: false }).compile(schema);
  if (!validate(value)) {
    const err = validate.errors?.[0];
    throw new Error(`${file}: ${err?.instancePath || '/'} ${err?.message ?? 'is invalid'}`);
  }
  return value as SpeakerFile;
}

export async function speakerCommand(file: string, out: Output): Promise<number> {
  const cfg = await loadSpeakerConfig(file);
  const clock = new SystemClock();
  const transport = new TcpTransport(clock);
  const speaker = new Speaker({ clock, random: systemRandom, transport });
  const bfd = new BfdSessionTable({
    clock,
    random: systemRandom,
    openTransport: (localAddress, { multihop }) =>
      createUdpBfdTransport({
        localAddress,
        listenPort: bfdPortFor(multihop),
        random: systemRandom,
      }),
  });
  const name = cfg.node ?? 'speakersim';
  for (const p of cfg.peers) {
    const localAddress = p.localAddress ?? cfg.localAddress;
    // RFC 2385: the key goes on the socket before the SYN (throws where it cannot be set).
    if (p.password) {
      transport.socketOptions.set({ localAddress, peerAddress: p.address }, { md5Key: p.password });
    }
    const neighbor = new Neighbor(
      {
        peer: {
          id: `${name}/${p.address}`,
          node: name,
          localAddress,
          localAsn: cfg.asn,
          routerId: cfg.routerId ?? localAddress ?? '198.18.255.254',
          peerAddress: p.address,
          peerPort: p.port,
          peerAsn: p.asn,
          holdTimeSeconds: p.holdTime,
          keepaliveTimeSeconds: p.keepalive,
          connectRetryTimeSeconds: p.connectRetry,
          passive: p.passive,
          hostname: name,
        },
        ...(p.bfd && localAddress
          ? {
              bfd: {
                localAddress,
                peerAddress: p.address,
                multihop: p.bfd.multihop,
                desiredMinTxMs: p.bfd.transmitInterval,
                requiredMinRxMs: p.bfd.receiveInterval,
                detectMult: p.bfd.detectMultiplier,
                passive: p.bfd.passiveMode,
              },
            }
          : {}),
      },
      { clock, speaker, bfdTable: bfd },
    );
    const at = () => new Date(clock.wallNow()).toISOString();
    neighbor.on({
      bgpTransition: (e) =>
        out.line(
          `${at()} ${p.address} ${e.from} -> ${e.to} (${typeof e.reason === 'string' ? e.reason : JSON.stringify(e.reason)})`,
        ),
      bfdTransition: (e) =>
        out.line(
          `${at()} ${p.address} BFD ${BFD_STATE_NAMES[e.from].name} -> ${BFD_STATE_NAMES[e.to].name}`,
        ),
      message: (m) => {
        if (m.message.type === 'NOTIFICATION')
          out.line(
            `${at()} ${p.address} NOTIFICATION ${m.direction}: ${describeNotification(m.message.code, m.message.subcode)}`,
          );
      },
      problem: (x) =>
        out.error(
          `${p.address}: ${x instanceof Error ? `${(x as { code?: string }).code ?? x.name}: ${x.message}` : String(x)}`,
        ),
    });
    for (const r of cfg.routes ?? []) {
      const nextHop = r.nextHop ?? localAddress;
      if (!nextHop) throw new Error(`${file}: route ${r.prefix} needs nextHop (or localAddress)`);
      if (r.prefix.includes(':') !== nextHop.includes(':')) continue;
      neighbor.peer.announce(r.prefix, {
        nextHop,
        ...(r.localPref !== undefined ? { localPref: r.localPref } : {}),
        ...(r.med !== undefined ? { med: r.med } : {}),
        communities: (r.communities ?? []).map((c) => parseCommunity(c)),
        largeCommunities: (r.largeCommunities ?? []).map((c) => parseLargeCommunity(c)),
      });
    }
    await neighbor.start();
  }
  out.line(
    `speaker ${name} (AS ${cfg.asn}) started with ${cfg.peers.length} peer(s); Ctrl-C stops it`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await speaker.close('speakersim speaker stopped');
  await bfd.close();
  await new Promise((r) => setTimeout(r, 200));
  return 0;
}
