/**
 * Shape checks for what the runtime hands to step(). The codec produces well-typed values, but
 * a runtime bug must not crash the FSM (the project rule: bad input never crashes anything):
 * an event whose payload is malformed is dropped, and malformed capabilities are ignored.
 */
import type { Capability } from '../wire/types.js';
import type { FsmEvent } from './events.js';

type Loose = Record<string, unknown>;

const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null;
const isUint = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const isFamily = (f: unknown): f is Loose =>
  isObject(f) && isUint(f.afi, 0xffff) && isUint(f.safi, 0xff);

/** True when `c` has the shape its `kind` promises (src/bgp/wire/types.ts Capability). */
export function isCapability(c: unknown): c is Capability {
  if (!isObject(c)) return false;
  switch (c.kind) {
    case 'multiprotocol':
      return isFamily(c);
    case 'route-refresh':
    case 'route-refresh-old':
    case 'extended-message':
    case 'enhanced-route-refresh':
      return true;
    case 'role':
      return isUint(c.role, 0xff);
    case 'four-octet-as':
      return isUint(c.asn, 0xffffffff);
    case 'extended-nexthop':
      return (
        Array.isArray(c.families) &&
        c.families.every(
          (f) => isUint(f.afi, 0xffff) && isUint(f.safi, 0xffff) && isUint(f.nextHopAfi, 0xffff),
        )
      );
    case 'add-path':
      return (
        Array.isArray(c.families) &&
        c.families.every(
          (f) => isFamily(f) && (f.sendReceive === 1 || f.sendReceive === 2 || f.sendReceive === 3),
        )
      );
    case 'graceful-restart':
      return (
        typeof c.restarting === 'boolean' &&
        typeof c.notification === 'boolean' &&
        isUint(c.restartTime, 0xfff) &&
        Array.isArray(c.families) &&
        c.families.every((f) => isFamily(f) && typeof f.forwardingPreserved === 'boolean')
      );
    case 'fqdn':
      return typeof c.hostname === 'string' && typeof c.domain === 'string';
    case 'unknown':
      return isUint(c.code, 0xff) && Buffer.isBuffer(c.value);
    default:
      return false;
  }
}

const isNotificationToSend = (n: unknown): boolean =>
  isObject(n) && isUint(n.code, 0xff) && isUint(n.subcode, 0xff) && Buffer.isBuffer(n.data);

const isReceivedNotification = (n: unknown): boolean =>
  isObject(n) && isUint(n.code, 0xff) && isUint(n.subcode, 0xff);

/** True when the event's payload (if its type has one) is usable. */
export function hasValidPayload(event: FsmEvent): boolean {
  const e = event as unknown as Loose;
  switch (event.type) {
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
      return isObject(e.open);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
    case 'UpdateMsgErr':
      return isNotificationToSend(e.notification);
    case 'NotifMsg':
    case 'NotifMsgVerErr':
      return isReceivedNotification(e.notification);
    case 'UpdateMsg':
      return (
        isObject(e.update) &&
        (e.withdrawnByError === undefined || Array.isArray(e.withdrawnByError))
      );
    case 'ManualStop':
      return e.shutdownCommunication === undefined || typeof e.shutdownCommunication === 'string';
    default:
      return true;
  }
}
