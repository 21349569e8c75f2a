import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BFD_DISCARD_REASONS,
  BfdAuthType,
  BfdDiagnostic,
  BfdEncodeError,
  BfdState,
  decodeControlPacket,
  discardCode,
  encodeControlPacket,
  encodeSignedControlPacket,
  verifyControlAuth,
  type BfdAuthKey,
  type BfdControlPacket,
  type BfdDiscardReason,
} from '../../src/bfd/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+|#[^\n]*/g, ''), 'hex');

/** An Up packet annotated field by field (RFC 5880 4.1). */
const UP_PACKET = hex(`
  20        # Vers 1, Diag 0
  c0        # Sta 3 (Up), P0 F0 C0 A0 D0 M0
  03        # Detect Mult 3
  18        # Length 24
  7429abf9  # My Discriminator
  d43a40c1  # Your Discriminator
  000493e0  # Desired Min TX 300000 us
  000493e0  # Required Min RX 300000 us
  00000000  # Required Min Echo RX 0
`);

const UP: BfdControlPacket = {
  version: 1,
  diagnostic: BfdDiagnostic.NoDiagnostic,
  state: BfdState.Up,
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  multipoint: false,
  detectMult: 3,
  myDiscriminator: 0x7429abf9,
  yourDiscriminator: 0xd43a40c1,
  desiredMinTxUs: 300_000,
  requiredMinRxUs: 300_000,
  requiredMinEchoRxUs: 0,
};

const ROWS: { name: string; bytes: Buffer; packet: BfdControlPacket }[] = [
  { name: 'Up, no flags', bytes: UP_PACKET, packet: UP },
  {
    name: 'Down with Diag 1, Poll, Your Discriminator 0',
    bytes: hex('21 60 05 18 00000001 00000000 000f4240 000f4240 00000000'),
    packet: {
      ...UP,
      diagnostic: BfdDiagnostic.ControlDetectionTimeExpired,
      state: BfdState.Down,
      poll: true,
      detectMult: 5,
      myDiscriminator: 1,
      yourDiscriminator: 0,
      desiredMinTxUs: 1_000_000,
      requiredMinRxUs: 1_000_000,
    },
  },
  {
    name: 'AdminDown Diag 7, Final, C and D bits',
    bytes: hex('27 1a 02 18 00000002 00000003 0000c350 00000000 0000c350'),
    packet: {
      ...UP,
      diagnostic: BfdDiagnostic.AdministrativelyDown,
      state: BfdState.AdminDown,
      final: true,
      controlPlaneIndependent: true,
      demand: true,
      detectMult: 2,
      myDiscriminator: 2,
      yourDiscriminator: 3,
      desiredMinTxUs: 50_000,
      requiredMinRxUs: 0,
      requiredMinEchoRxUs: 50_000,
    },
  },
  {
    name: 'Down with simple password "secret" (RFC 5880 4.2)',
    bytes: hex(`20 44 03 21 00000001 00000000 000f4240 000f4240 00000000
      01 09 02 736563726574  # Auth Type 1, Auth Len 9, Key ID 2, "secret"`),
    packet: {
      ...UP,
      state: BfdState.Down,
      myDiscriminator: 1,
      yourDiscriminator: 0,
      desiredMinTxUs: 1_000_000,
      requiredMinRxUs: 1_000_000,
      auth: { type: BfdAuthType.SimplePassword, keyId: 2, password: Buffer.from('secret') },
    },
  },
  {
    name: 'keyed MD5 section (RFC 5880 4.3)',
    bytes: hex(`20 c4 03 30 7429abf9 d43a40c1 000493e0 000493e0 00000000
      02 18 07 00 00000005 0102030405060708090a0b0c0d0e0f10`),
    packet: {
      ...UP,
      auth: {
        type: BfdAuthType.KeyedMd5,
        keyId: 7,
        sequence: 5,
        digest: hex('0102030405060708090a0b0c0d0e0f10'),
      },
    },
  },
  {
    name: 'meticulous keyed SHA1 section (RFC 5880 4.4)',
    bytes: hex(`20 c4 03 34 7429abf9 d43a40c1 000493e0 000493e0 00000000
      05 1c 01 00 ffffffff 0102030405060708090a0b0c0d0e0f1011121314`),
    packet: {
      ...UP,
      auth: {
        type: BfdAuthType.MeticulousKeyedSha1,
        keyId: 1,
        sequence: 0xffffffff,
        digest: hex('0102030405060708090a0b0c0d0e0f1011121314'),
      },
    },
  },
];

describe('BFD control packet codec (RFC 5880 4.1-4.4)', () => {
  for (const row of ROWS) {
    it(`decodes: ${row.name}`, () => {
      const r = decodeControlPacket(row.bytes);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.packet).toEqual(row.packet);
    });
    it(`encodes: ${row.name}`, () => {
      expect(encodeControlPacket(row.packet)).toEqual(row.bytes);
    });
  }

  it('ignores bytes after Length (the UDP payload may be longer)', () => {
    const r = decodeControlPacket(Buffer.concat([UP_PACKET, hex('deadbeef')]));
    expect(r.ok && r.packet).toEqual(UP);
  });

  it('reads a packet inside a larger buffer (subarray offsets)', () => {
    const big = Buffer.concat([hex('ffffff'), UP_PACKET]);
    const r = decodeControlPacket(big.subarray(3));
    expect(r.ok && r.packet).toEqual(UP);
  });

  const mutate = (f: (b: Buffer) => void, base = UP_PACKET): Buffer => {
    const b = Buffer.from(base);
    f(b);
    return b;
  };
  const ERRORS: { name: string; bytes: Buffer; reason: BfdDiscardReason }[] = [
    { name: 'empty', bytes: Buffer.alloc(0), reason: 'truncated' },
    { name: '3 bytes', bytes: UP_PACKET.subarray(0, 3), reason: 'truncated' },
    { name: 'version 0', bytes: mutate((b) => (b[0] = 0x00)), reason: 'bad-version' },
    { name: 'version 2', bytes: mutate((b) => (b[0] = 0x40)), reason: 'bad-version' },
    { name: 'Length 23', bytes: mutate((b) => (b[3] = 23)), reason: 'length-too-short' },
    {
      name: 'A bit with Length 25',
      bytes: mutate((b) => {
        b[1] = 0xc4;
        b[3] = 25;
      }),
      reason: 'length-too-short',
    },
    {
      name: 'Length 25 > 24-byte payload',
      bytes: mutate((b) => (b[3] = 25)),
      reason: 'length-exceeds-payload',
    },
    {
      name: 'payload cut to 20 bytes',
      bytes: UP_PACKET.subarray(0, 20),
      reason: 'length-exceeds-payload',
    },
    { name: 'Detect Mult 0', bytes: mutate((b) => (b[2] = 0)), reason: 'detect-mult-zero' },
    { name: 'M bit', bytes: mutate((b) => (b[1] = 0xc1)), reason: 'multipoint-set' },
    {
      name: 'My Discriminator 0',
      bytes: mutate((b) => b.writeUInt32BE(0, 4)),
      reason: 'my-discriminator-zero',
    },
    {
      name: 'Your Discriminator 0 in Up',
      bytes: mutate((b) => b.writeUInt32BE(0, 8)),
      reason: 'your-discriminator-zero-not-down',
    },
    {
      name: 'Your Discriminator 0 in Init',
      bytes: mutate((b) => {
        b.writeUInt32BE(0, 8);
        b[1] = 0x80;
      }),
      reason: 'your-discriminator-zero-not-down',
    },
    {
      name: 'Auth Type 0 (reserved)',
      bytes: mutate((b) => (b[24] = 0), ROWS[4]!.bytes),
      reason: 'auth-malformed',
    },
    {
      name: 'Auth Type 6 (unassigned)',
      bytes: mutate((b) => (b[24] = 6), ROWS[4]!.bytes),
      reason: 'auth-malformed',
    },
    {
      name: 'MD5 with Auth Len 28',
      bytes: mutate((b) => (b[25] = 28), ROWS[4]!.bytes),
      reason: 'auth-malformed',
    },
    {
      name: 'SHA1 with Auth Len 24',
      bytes: mutate((b) => (b[25] = 24), ROWS[5]!.bytes),
      reason: 'auth-malformed',
    },
    {
      name: 'password Auth Len 3 (empty password)',
      bytes: mutate((b) => (b[25] = 3), ROWS[3]!.bytes),
      reason: 'auth-malformed',
    },
    {
      name: 'Auth Len beyond Length',
      bytes: mutate((b) => (b[25] = 200), ROWS[3]!.bytes),
      reason: 'auth-malformed',
    },
  ];
  for (const row of ERRORS) {
    it(`discards ${row.name} as ${row.reason}`, () => {
      const r = decodeControlPacket(row.bytes);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.reason).toBe(row.reason);
        expect(r.error.code).toBe(discardCode(row.reason));
      }
    });
  }

  it('gives every discard reason its own stable code', () => {
    const codes = BFD_DISCARD_REASONS.map(discardCode);
    expect(new Set(codes).size).toBe(BFD_DISCARD_REASONS.length);
    expect(discardCode('bad-version')).toBe('ERR_BFD_DISCARD_BAD_VERSION');
  });

  it('refuses to encode P and F together (RFC 5880 4.1) and out-of-range fields', () => {
    expect(() => encodeControlPacket({ ...UP, poll: true, final: true })).toThrow(BfdEncodeError);
    expect(() => encodeControlPacket({ ...UP, detectMult: 256 })).toThrow(BfdEncodeError);
    expect(() => encodeControlPacket({ ...UP, myDiscriminator: -1 })).toThrow(BfdEncodeError);
  });

  const arbPacket = fc.record({
    diagnostic: fc.integer({ min: 0, max: 31 }),
    state: fc.constantFrom(BfdState.AdminDown, BfdState.Down, BfdState.Init, BfdState.Up),
    pf: fc.constantFrom([false, false], [true, false], [false, true]),
    c: fc.boolean(),
    d: fc.boolean(),
    detectMult: fc.integer({ min: 1, max: 255 }),
    my: fc.integer({ min: 1, max: 0xffffffff }),
    your: fc.integer({ min: 1, max: 0xffffffff }),
    tx: fc.integer({ min: 0, max: 0xffffffff }),
    rx: fc.integer({ min: 0, max: 0xffffffff }),
    echo: fc.integer({ min: 0, max: 0xffffffff }),
  });

  it('round-trips any valid packet (property)', () => {
    fc.assert(
      fc.property(arbPacket, (a) => {
        const p: BfdControlPacket = {
          version: 1,
          diagnostic: a.diagnostic,
          state: a.state,
          poll: a.pf[0]!,
          final: a.pf[1]!,
          controlPlaneIndependent: a.c,
          demand: a.d,
          multipoint: false,
          detectMult: a.detectMult,
          myDiscriminator: a.my,
          yourDiscriminator: a.your,
          desiredMinTxUs: a.tx,
          requiredMinRxUs: a.rx,
          requiredMinEchoRxUs: a.echo,
        };
        const r = decodeControlPacket(encodeControlPacket(p));
        expect(r.ok && r.packet).toEqual(p);
      }),
    );
  });

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const r = decodeControlPacket(bytes);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 5000 },
    );
  });
});

describe('BFD authentication (RFC 5880 6.7)', () => {
  const base: Omit<BfdControlPacket, 'auth'> = { ...UP };
  const KEYS: BfdAuthKey[] = [
    { type: BfdAuthType.SimplePassword, keyId: 1, secret: Buffer.from('secret') },
    { type: BfdAuthType.KeyedMd5, keyId: 2, secret: Buffer.from('md5-key') },
    { type: BfdAuthType.MeticulousKeyedMd5, keyId: 3, secret: Buffer.from('0123456789abcdef') },
    { type: BfdAuthType.KeyedSha1, keyId: 4, secret: Buffer.from('sha1-key') },
    {
      type: BfdAuthType.MeticulousKeyedSha1,
      keyId: 5,
      secret: Buffer.from('0123456789abcdefghij'),
    },
  ];
  const EXPECTED_LENGTH: Record<number, number> = { 1: 33, 2: 48, 3: 48, 4: 52, 5: 52 };

  for (const key of KEYS) {
    describe(`auth type ${key.type}`, () => {
      const keys = new Map([[key.keyId, key]]);
      const signed = encodeSignedControlPacket(base, key, 41);
      const decoded = decodeControlPacket(signed);

      it('signs with the A bit, the right Length, and verifies', () => {
        expect(signed[1]! & 0x04).toBe(0x04);
        expect(signed[3]).toBe(EXPECTED_LENGTH[key.type]);
        expect(decoded.ok).toBe(true);
        if (!decoded.ok) return;
        expect(decoded.packet.auth?.type).toBe(key.type);
        expect(decoded.packet.auth?.keyId).toBe(key.keyId);
        expect(verifyControlAuth(signed, decoded.packet, key.type, keys)).toBeUndefined();
      });

      it('rejects a flipped byte anywhere in the packet as a digest mismatch', () => {
        if (key.type === BfdAuthType.SimplePassword) return; // the password covers only itself
        for (let i = 4; i < signed.length; i++) {
          const bad = Buffer.from(signed);
          bad[i]! ^= 0x01;
          const r = decodeControlPacket(bad);
          if (!r.ok) continue; // e.g. a discriminator turned 0
          const reason = verifyControlAuth(bad, r.packet, key.type, keys);
          expect(reason, `byte ${i}`).toBeDefined();
        }
      });

      it('rejects a wrong secret, an unknown key id and a different type', () => {
        if (!decoded.ok) throw new Error('decode failed');
        const wrong = new Map([[key.keyId, { ...key, secret: Buffer.from('other') }]]);
        expect(verifyControlAuth(signed, decoded.packet, key.type, wrong)).toBe(
          'auth-digest-mismatch',
        );
        const otherId = new Map([[key.keyId + 10, { ...key, keyId: key.keyId + 10 }]]);
        expect(verifyControlAuth(signed, decoded.packet, key.type, otherId)).toBe(
          'auth-key-unknown',
        );
        const otherType = key.type === 1 ? BfdAuthType.KeyedMd5 : BfdAuthType.SimplePassword;
        expect(verifyControlAuth(signed, decoded.packet, otherType, keys)).toBe(
          'auth-type-mismatch',
        );
      });
    });
  }

  it('computes the RFC 5880 6.7.3 MD5 over the packet with the padded key in place', async () => {
    const { createHash } = await import('node:crypto');
    const key = KEYS[1]!;
    const signed = encodeSignedControlPacket(base, key, 7);
    const copy = Buffer.from(signed);
    const padded = Buffer.alloc(16);
    key.secret.copy(padded);
    padded.copy(copy, 32);
    expect(signed.subarray(32)).toEqual(createHash('md5').update(copy).digest());
    expect(signed.readUInt32BE(28)).toBe(7);
  });
});
