import { describe, expect, it } from 'vitest';
import {
  AttrFlag,
  announcedRoutes,
  attributesForReadvertise,
  describeNotification,
  notificationFor,
  withdrawnRoutes,
  decodeMessage,
  DEFAULT_CONTEXT,
} from '../../../src/bgp/wire/index.js';
import type { UpdateMessage } from '../../../src/bgp/wire/index.js';
import { message } from './support/hex.js';

describe('re-advertising unknown attributes (RFC 4271 5, 9.1.3)', () => {
  it('keeps optional transitive ones with Partial set and drops non-transitive ones', () => {
    const out = attributesForReadvertise({
      origin: 0,
      unknown: [
        { flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, typeCode: 35, value: Buffer.from([1]) },
        { flags: AttrFlag.OPTIONAL, typeCode: 26, value: Buffer.from([2]) },
      ],
    });
    expect(out.origin).toBe(0);
    expect(out.unknown).toEqual([{ flags: 0xe0, typeCode: 35, value: Buffer.from([1]) }]);
    expect(
      attributesForReadvertise({ unknown: [{ flags: 0x80, typeCode: 26, value: Buffer.alloc(0) }] })
        .unknown,
    ).toBeUndefined();
  });
});

describe('routes of an UPDATE per family', () => {
  const u: UpdateMessage = {
    type: 'UPDATE',
    withdrawn: [{ prefix: '10.0.0.0/8' }],
    nlri: [{ prefix: '198.18.0.1/32' }],
    attributes: {
      mpReach: {
        afi: 2,
        safi: 1,
        nextHops: ['2001:db8::1'],
        nlri: [{ prefix: '2001:db8::1/128' }],
      },
      mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8::2/128' }] },
    },
  };
  it('lists announced and withdrawn routes with their AFI/SAFI', () => {
    expect(announcedRoutes(u)).toEqual([
      { afi: 1, safi: 1, nlri: [{ prefix: '198.18.0.1/32' }] },
      { afi: 2, safi: 1, nlri: [{ prefix: '2001:db8::1/128' }] },
    ]);
    expect(withdrawnRoutes(u)).toEqual([
      { afi: 1, safi: 1, nlri: [{ prefix: '10.0.0.0/8' }] },
      { afi: 2, safi: 1, nlri: [{ prefix: '2001:db8::2/128' }] },
    ]);
  });
});

describe('NOTIFICATION names', () => {
  it('names every RFC 4271 code and the Cease subcodes up to BFD Down', () => {
    for (const code of [1, 2, 3, 4, 5, 6, 7])
      expect(describeNotification(code, 0)).not.toMatch(/^Error /);
    for (let sub = 1; sub <= 10; sub++) expect(describeNotification(6, sub)).not.toMatch(/Subcode/);
    for (let sub = 1; sub <= 11; sub++)
      if (sub !== 7) expect(describeNotification(3, sub)).not.toMatch(/Subcode/);
    expect(describeNotification(99, 1)).toMatch(/99/);
  });
  it('maps a decode error to the NOTIFICATION that answers it', () => {
    const r = decodeMessage(message(9, ''), DEFAULT_CONTEXT);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(notificationFor(r.error)).toEqual({
      type: 'NOTIFICATION',
      code: 1,
      subcode: 3,
      data: Buffer.from([9]),
    });
  });
});
