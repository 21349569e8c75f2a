import { describe, expect, it } from 'vitest';
import { AdjRibOut, AttributeTable } from '../../src/bgp/rib.js';

const nh = { nextHop: '198.18.0.10' };

describe('AdjRibOut', () => {
  it('groups announcements by shared attributes and withdraws removed prefixes', () => {
    const rib = new AdjRibOut();
    rib.set('192.168.122.210/32', nh);
    rib.set('192.168.122.211/32', { nextHop: '198.18.0.10' });
    rib.set('192.168.122.212/32', { ...nh, communities: [65000 * 65536 + 1] });
    const first = rib.takePending();
    expect(first.withdraw).toEqual([]);
    expect(first.announce.map((g) => g.prefixes)).toEqual([
      ['192.168.122.210/32', '192.168.122.211/32'],
      ['192.168.122.212/32'],
    ]);
    rib.remove('192.168.122.211/32');
    expect(rib.takePending()).toEqual({ announce: [], withdraw: ['192.168.122.211/32'] });
    expect(rib.hasPending()).toBe(false);
  });

  it('sends nothing for a change that was undone before the flush', () => {
    const rib = new AdjRibOut();
    rib.set('10.0.0.1/32', nh);
    rib.takePending();
    rib.remove('10.0.0.1/32');
    rib.set('10.0.0.1/32', { nextHop: '198.18.0.10' });
    expect(rib.takePending()).toEqual({ announce: [], withdraw: [] });
  });

  it('treats community order as meaningless', () => {
    const table = new AttributeTable();
    const a = table.intern({ ...nh, communities: [2, 1] });
    const b = table.intern({ ...nh, communities: [1, 2] });
    expect(a).toBe(b);
    expect(table.size).toBe(1);
  });

  it('re-announces everything on resendAll (route refresh) and replaceAll converges', () => {
    const rib = new AdjRibOut();
    rib.replaceAll([
      ['10.0.0.1/32', nh],
      ['10.0.0.2/32', nh],
    ]);
    rib.takePending();
    rib.resendAll();
    expect(rib.takePending().announce[0]?.prefixes).toEqual(['10.0.0.1/32', '10.0.0.2/32']);
    rib.replaceAll([['10.0.0.2/32', nh]]);
    expect(rib.takePending()).toEqual({ announce: [], withdraw: ['10.0.0.1/32'] });
    expect([...rib.prefixes()]).toEqual(['10.0.0.2/32']);
  });
});
