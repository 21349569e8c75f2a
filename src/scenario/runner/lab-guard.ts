/**
 * The network rule, enforced where traffic starts: with real sockets (netns backend), node
 * speakers may reach only the lab's own subnets. A BGPPeer pointing anywhere else (a seed's
 * 192.168.1.1, a typo, a public address) is never dialled: the connect fails with a typed
 * error and BFD packets to it are not sent.
 */
import { Address4, Address6 } from 'ip-address';
import type { Transport } from '../../bgp/io/transport.js';
import { TransportError } from '../../bgp/io/transport.js';
import { interceptBfdTransport, type BfdTransport } from '../../bfd/io/transport.js';

export class LabGuard {
  private readonly v4: Address4[] = [];
  private readonly v6: Address6[] = [];
  private readonly verdicts = new Map<string, boolean>();

  constructor(subnets: string[]) {
    for (const s of subnets) {
      if (s.includes(':')) this.v6.push(new Address6(s));
      else this.v4.push(new Address4(s));
    }
  }

  /** Answers by address, remembered: BFD asks for every packet it sends. */
  allows(address: string): boolean {
    let ok = this.verdicts.get(address);
    if (ok === undefined) this.verdicts.set(address, (ok = this.inSubnets(address)));
    return ok;
  }

  private inSubnets(address: string): boolean {
    try {
      if (address.includes(':')) {
        const a = new Address6(address);
        return this.v6.some((n) => a.isInSubnet(n));
      }
      const a = new Address4(address);
      return this.v4.some((n) => a.isInSubnet(n));
    } catch {
      return false;
    }
  }

  bgp(t: Transport): Transport {
    return {
      connect: (o) =>
        this.allows(o.host)
          ? t.connect(o)
          : Promise.reject(
              new TransportError(
                'ERR_TRANSPORT_UNREACHABLE',
                `${o.host} is outside the lab's subnets: speakersim never sends traffic there`,
              ),
            ),
      listen: (o, cb) => t.listen(o, cb),
      socketOptions: t.socketOptions,
    };
  }

  bfd(t: BfdTransport): BfdTransport {
    return interceptBfdTransport(t, {
      send: (channel, payload, to) => {
        if (this.allows(to.address)) channel.send(payload, to);
      },
    });
  }
}
