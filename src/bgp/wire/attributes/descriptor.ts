/**
 * One descriptor per path attribute (RFC 4271 5): its type code, the Optional/Transitive bits
 * it must carry, its RFC 7606 handling when malformed, how it is decoded and encoded, and its
 * part of the canonical key that tells two attribute sets apart (interning in the RIB). A new
 * attribute is one descriptor in this folder plus its entry in ./index.ts: the decoder, the
 * encoder and the RIB key all iterate the same list, so none of them can forget it.
 */
import type { AsPathSegment, Aggregator, CodecContext, PathAttributes } from '../types.js';
import { AttrFlag } from '../types.js';
import type { BgpWireError, BgpWireErrorCode, ErrorHandling } from '../errors.js';
import { encodeError } from '../errors.js';
import { formatIpv4, parseIpv4 } from '../ip.js';

export const WELL_KNOWN = AttrFlag.TRANSITIVE; // RFC 4271 5: Optional 0, Transitive 1
export const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
export const OPTIONAL_NON_TRANSITIVE = AttrFlag.OPTIONAL;

/**
 * The attribute being decoded: its value is `msg[start..end)`. One instance per
 * decodeAttributes call is reused for every attribute (no allocation per attribute).
 */
export interface AttributeInput {
  readonly msg: Buffer;
  start: number;
  end: number;
  /** Value length (end - start). */
  len: number;
  readonly ctx: CodecContext;
  /**
   * Records an error for this attribute with the descriptor's RFC 7606 handling (or the one
   * given); session-reset errors are thrown. The attribute is then left out.
   */
  fail(code: BgpWireErrorCode, why: string, handling?: ErrorHandling): void;
  /** 3/5 Attribute Length Error with the descriptor's handling. */
  lengthError(): void;
  /** The whole attribute (flags, type, length, value), a view: copy what is kept. */
  attribute(): Buffer;
  /** Where non-fatal errors of nested structures (MP_REACH next hops) go. */
  readonly errors: BgpWireError[];
  /** Values that only make sense after all attributes are read (RFC 6793 AS4_* merging). */
  readonly later: { as4Path?: AsPathSegment[]; as4Aggregator?: Aggregator };
}

/** Appends one encoded attribute: flags (Extended Length is added when needed), type, value. */
export type AddAttribute = (flags: number, type: number, value: Buffer) => void;

export interface AttributeDescriptor {
  readonly type: number;
  readonly name: string;
  /** The Optional and Transitive bits the attribute must carry (RFC 4271 5, 6.3). */
  readonly flags: number;
  /** RFC 7606 7.x: what a malformed instance leads to. */
  readonly malformed: ErrorHandling;
  /** Reads the value into `attrs` (or `input.later`); reports problems through `input.fail`. */
  decode(input: AttributeInput, attrs: PathAttributes): void;
  /** Writes the attribute(s) for `attrs` through `add`; nothing when absent. */
  encode(attrs: PathAttributes, ctx: CodecContext, add: AddAttribute): void;
  /**
   * Its part of the canonical key of an attribute set (JSON-able, order-insensitive where
   * order means nothing); undefined when absent. Absent for attributes never interned.
   */
  key?(attrs: PathAttributes): unknown;
}

export function u32(v: number, what: string): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw encodeError(`${what} ${v} out of range`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v, 0);
  return b;
}

export function ipv4(s: string, what: string): Buffer {
  const b = parseIpv4(s);
  if (!b) throw encodeError(`${what} ${s} is not a dotted quad`);
  return b;
}

/** The PathAttributes fields whose type is exactly T (not a narrower one such as Origin). */
type FieldOf<T> = {
  [K in keyof PathAttributes]-?: [NonNullable<PathAttributes[K]>] extends [T]
    ? [T] extends [NonNullable<PathAttributes[K]>]
      ? K
      : never
    : never;
}[keyof PathAttributes];

/**
 * A one-value attribute of 4 octets: malformed unless 4 octets long, treat-as-withdraw (RFC
 * 7606 7.3 NEXT_HOP, 7.4 MED, 7.5 LOCAL_PREF, 7.9 ORIGINATOR_ID; RFC 9234 5 OTC). `accept`
 * false: the attribute is discarded whatever it holds.
 */
function fourOctetAttribute<T>(
  type: number,
  name: string,
  flags: number,
  field: FieldOf<T>,
  read: (msg: Buffer, off: number) => T,
  write: (v: T, what: string) => Buffer,
  accept: (ctx: CodecContext) => boolean,
): AttributeDescriptor {
  // FieldOf<T> guarantees attrs[field] holds a T; TypeScript cannot follow that through the
  // index, hence the one view of PathAttributes as a record of T here.
  type Slots = Partial<Record<FieldOf<T>, T>>;
  return {
    type,
    name,
    flags,
    malformed: 'treat-as-withdraw',
    decode(input, attrs) {
      if (!accept(input.ctx)) return;
      if (input.len !== 4) input.lengthError();
      else (attrs as Slots)[field] = read(input.msg, input.start);
    },
    encode(attrs, _ctx, add) {
      const v = (attrs as Slots)[field];
      if (v !== undefined) add(flags, type, write(v, name));
    },
    key: (attrs) => (attrs as Slots)[field],
  };
}

/** A 4-octet integer attribute (MED, LOCAL_PREF, ONLY_TO_CUSTOMER). */
export function u32Attribute(
  type: number,
  name: string,
  flags: number,
  field: FieldOf<number>,
  accept: (ctx: CodecContext) => boolean = () => true,
): AttributeDescriptor {
  return fourOctetAttribute(type, name, flags, field, (m, o) => m.readUInt32BE(o), u32, accept);
}

/** A 4-octet address attribute (NEXT_HOP, ORIGINATOR_ID). */
export function ipv4Attribute(
  type: number,
  name: string,
  flags: number,
  field: FieldOf<string>,
): AttributeDescriptor {
  return fourOctetAttribute(type, name, flags, field, formatIpv4, ipv4, () => true);
}
