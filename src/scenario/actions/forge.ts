/**
 * `forge`: a packet a conformant router never sends, sent from its side of the lab to a node,
 * to replay what the node must do with it: a BFD Control packet with a wrong TTL, a strange
 * My Discriminator or a spoofed source (RFC 5880 6.8.6, RFC 5881 5: discarded and counted,
 * `speakersim_bfd_discarded_packets_total`), or a BGP OPEN with an optional parameter the node
 * does not know (RFC 4271 6.2: NOTIFICATION 2/4).
 */
import { SpeakersimError } from '../../core/errors.js';
import { canonicalAddress } from '../../bfd/config.js';
import { BfdState } from '../../bfd/wire/constants.js';
import { bfdPortFor } from '../../bfd/wire/constants.js';
import { controlPacket, encodeControlPacket } from '../../bfd/wire/encode-control.js';
import { encodeOpen } from '../../bgp/wire/open.js';
import { checkNode, checkRouter, type Raw } from '../references.js';
import type { ActionDef } from '../registry/types.js';
import type { AddressPair, RouterSpec } from '../types.js';

const BFD_STATES = ['AdminDown', 'Down', 'Init', 'Up'] as const;
type BfdStateName = (typeof BFD_STATES)[number];

export interface ForgeAction {
  kind: 'forge';
  router: string;
  node: string;
  bfd?: {
    state: BfdStateName;
    ttl: number;
    /** Absent: the discriminator the node learned from the router (bfd.RemoteDiscr). */
    myDiscriminator?: number;
    from: 'router' | 'node';
  };
  bgp?: { parameterType: number; parameterValue: string };
}

/** The address pair's IPv4 address, else its IPv6 one. */
const addressOf = (a: AddressPair): string | undefined => a.ipv4?.address ?? a.ipv6?.address;

function forgeError(message: string): SpeakersimError {
  return new SpeakersimError('ERR_SCENARIO_FORGE_FAILED', message);
}

export const forgeAction: ActionDef<ForgeAction> = {
  kinds: ['forge'],
  keys: {
    forge: {
      $ref: '#/definitions/forgedPacket',
      description:
        "Send, from a router's side of the lab to a node, a packet the router itself never sends: a BFD Control packet (wrong TTL, other My Discriminator, a node's own address as source) or a BGP OPEN with an unknown optional parameter.",
    },
  },
  definitions: {
    forgedPacket: {
      type: 'object',
      additionalProperties: false,
      required: ['router', 'node'],
      oneOf: [{ required: ['bfd'] }, { required: ['bgp'] }],
      'x-expected': 'router, node and one of bfd or bgp',
      properties: {
        router: { $ref: '#/definitions/objectName' },
        node: { $ref: '#/definitions/objectName' },
        bfd: {
          type: 'object',
          additionalProperties: false,
          description:
            "A BFD Control packet naming the node's session with the router (Your Discriminator), as the router's would, but for what is set here.",
          properties: {
            state: {
              enum: [...BFD_STATES],
              'x-expected': 'a BFD state: AdminDown, Down, Init or Up',
              description: 'Default Down.',
            },
            ttl: {
              type: 'integer',
              minimum: 1,
              maximum: 255,
              description: 'IP TTL / Hop Limit it leaves with; default 255 (RFC 5881 5).',
            },
            myDiscriminator: {
              type: 'integer',
              minimum: 1,
              maximum: 4294967295,
              description: 'Default: the one the node learned from the router.',
            },
            from: {
              enum: ['router', 'node'],
              'x-expected': 'router or node',
              description:
                "Source address: the router's (default) or the node's own (a local spoofer).",
            },
          },
        },
        bgp: {
          type: 'object',
          additionalProperties: false,
          required: ['openParameter'],
          description:
            "A TCP connection from the router's address to the node's BGP port carrying an OPEN as the router's, plus one optional parameter.",
          properties: {
            openParameter: {
              type: 'object',
              additionalProperties: false,
              required: ['type'],
              properties: {
                type: {
                  type: 'integer',
                  minimum: 0,
                  maximum: 255,
                  not: { const: 2 },
                  'x-expected': 'an optional parameter type other than 2 (Capabilities)',
                },
                value: {
                  type: 'string',
                  pattern: '^([0-9a-fA-F]{2})*$',
                  'x-expected': 'hex octets, e.g. 0a0b',
                },
              },
            },
          },
        },
      },
    },
  },
  parse(ctx, _key, value, p) {
    const v = value as Raw;
    const router = checkRouter(ctx, v['router'], [...p, 'router']);
    const node = checkNode(ctx, v['node'], [...p, 'node']);
    const bfd = v['bfd'] as Raw | undefined;
    const bgp = v['bgp'] as Raw | undefined;
    const param = bgp?.['openParameter'] as Raw | undefined;
    return {
      kind: 'forge',
      router,
      node,
      ...(bfd
        ? {
            bfd: {
              state: (bfd['state'] as BfdStateName | undefined) ?? 'Down',
              ttl: (bfd['ttl'] as number | undefined) ?? 255,
              ...(bfd['myDiscriminator'] !== undefined
                ? { myDiscriminator: bfd['myDiscriminator'] as number }
                : {}),
              from: (bfd['from'] as 'router' | 'node' | undefined) ?? 'router',
            },
          }
        : {}),
      ...(param
        ? {
            bgp: {
              parameterType: param['type'] as number,
              parameterValue: (param['value'] as string | undefined) ?? '',
            },
          }
        : {}),
    };
  },
  describe: (a) =>
    a.bfd
      ? `forge BFD ${a.bfd.state} ${a.router} -> ${a.node} (TTL ${a.bfd.ttl}${a.bfd.myDiscriminator !== undefined ? `, My Discriminator ${a.bfd.myDiscriminator}` : ''}${a.bfd.from === 'node' ? ', from the node' : ''})`
      : `forge OPEN ${a.router} -> ${a.node} with optional parameter ${a.bgp!.parameterType}`,
  async act({ s }, a) {
    const router = s.scenario.topology.routers.find((r) => r.name === a.router)!;
    const node = s.scenario.topology.nodes.find((n) => n.name === a.node)!;
    const routerAddress = addressOf(router.addresses);
    const nodeAddress = addressOf(node.addresses);
    if (!routerAddress || !nodeAddress) {
      throw forgeError(`${a.router} or ${a.node} has no address to forge between`);
    }
    s.record({
      kind: 'fault',
      fault: 'forge',
      router: a.router,
      node: a.node,
      detail: forgeAction.describe(a),
    });
    if (a.bfd) {
      const session = s.runtime
        .speaker(a.node)
        ?.sessions()
        .find((x) => x.bfd && canonicalAddress(x.address) === canonicalAddress(routerAddress));
      const bfd = session?.bfd;
      if (!bfd) throw forgeError(`${a.node} has no BFD session with ${a.router}`);
      const multihop = bfd.config.multihop ?? false;
      const payload = encodeControlPacket(
        controlPacket({
          state: BfdState[a.bfd.state],
          myDiscriminator: a.bfd.myDiscriminator ?? bfd.remoteDiscriminator,
          yourDiscriminator: bfd.localDiscriminator,
        }),
      );
      await s.peers.forge(a.router, {
        protocol: 'bfd',
        from: a.bfd.from === 'node' ? nodeAddress : bfd.peerAddress,
        fromNode: a.bfd.from === 'node',
        to: bfd.config.localAddress,
        port: bfdPortFor(multihop),
        ttl: a.bfd.ttl,
        payload,
      });
      return;
    }
    await s.peers.forge(a.router, {
      protocol: 'bgp',
      from: routerAddress,
      to: nodeAddress,
      port: 179,
      bytes: forgedOpen(router, a.bgp!.parameterType, a.bgp!.parameterValue),
    });
  },
};

/** The OPEN the router would send (RFC 4271 4.2), with one more optional parameter. */
function forgedOpen(router: RouterSpec, type: number, hex: string): Buffer {
  return encodeOpen({
    type: 'OPEN',
    version: 4,
    // RFC 6793 9: AS_TRANS in the 2-octet field when the ASN needs four.
    myAsn: router.asn > 0xffff ? 23456 : router.asn,
    holdTime: 90,
    bgpId: router.routerId,
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'four-octet-as', asn: router.asn },
    ],
    otherParameters: [{ type, value: Buffer.from(hex, 'hex') }],
  });
}
