/**
 * A recorded run used by the reporter tests: the bfd-down-recovery story told through a real
 * Timeline on a ManualClock, with one failing expectation whose text needs XML escaping.
 */
import { ManualClock } from '../../src/core/clock.js';
import { diffResources, Timeline } from '../../src/scenario/timeline.js';
import type { ScenarioRun } from '../../src/scenario/report/model.js';

export function sampleRun(): ScenarioRun {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
  const tl = new Timeline(clock);
  const peer = '198.18.0.1';
  const node = 'worker0';
  const step = (i: number, name: string, keyword: string) =>
    tl.record({ kind: 'step-start', step: i, name, keyword });

  step(0, 'apply pool & peer', 'apply');
  const before = {
    metadata: { name: 'bgp-pool', resourceVersion: '1' },
    status: { assignedIPv4: 0 },
  };
  const after = {
    metadata: { name: 'bgp-pool', resourceVersion: '2' },
    status: { assignedIPv4: 1 },
  };
  tl.record({
    kind: 'resource-change',
    verb: 'update',
    apiVersion: 'metallb.io/v1beta1',
    resourceKind: 'IPAddressPool',
    namespace: 'metallb-system',
    name: 'bgp-pool',
    resourceVersion: '2',
    actor: 'controller',
    changes: diffResources(before, after),
  });
  tl.record({ kind: 'step-end', step: 0, name: 'apply pool & peer', result: 'pass' });

  step(1, 'session comes up', 'expect');
  tl.record({
    kind: 'bgp-transition',
    node,
    peer,
    from: 'Idle',
    to: 'Active',
    reason: 'ManualStart',
  });
  clock.advance(1200);
  tl.record({
    kind: 'message',
    protocol: 'bgp',
    node,
    peer,
    direction: 'sent',
    type: 'OPEN',
    summary: 'OPEN as 64501 hold 90s',
  });
  tl.record({ kind: 'bgp-transition', node, peer, from: 'Active', to: 'Established' });
  tl.record({ kind: 'bfd-transition', node, peer, from: 'Down', to: 'Up' });
  tl.record({ kind: 'step-end', step: 1, name: 'session comes up', result: 'pass' });

  step(2, 'drop BFD', 'drop');
  tl.record({ kind: 'fault', fault: 'drop', router: 'r1', detail: 'bfd both' });
  clock.advance(900);
  tl.record({
    kind: 'bfd-transition',
    node,
    peer,
    from: 'Up',
    to: 'Down',
    diagnostic: 'Control Detection Time Expired',
  });
  tl.record({
    kind: 'message',
    protocol: 'bgp',
    node,
    peer,
    direction: 'sent',
    type: 'NOTIFICATION',
    summary: 'NOTIFICATION cease/bfd-down',
    notification: { code: 6, subcode: 10, name: 'cease/bfd-down' },
  });
  tl.record({
    kind: 'bgp-transition',
    node,
    peer,
    from: 'Established',
    to: 'Idle',
    reason: 'BFD down',
  });
  tl.record({ kind: 'step-end', step: 2, name: 'drop BFD', result: 'pass' });

  step(3, 'route <withdrawn> & "gone"', 'expect');
  clock.advance(30_000);
  tl.record({
    kind: 'step-end',
    step: 3,
    name: 'route <withdrawn> & "gone"',
    result: 'fail',
    expected: 'r1 lacks 192.168.122.210/32 & nothing <else>',
    actual: "route present via 198.18.0.101 (it's still there)",
  });
  return {
    name: 'bfd-down-recovery',
    file: 'scenarios/bfd-down-recovery.yaml',
    description: 'BFD goes down & comes back',
    clock: 'virtual',
    startedAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    events: tl.events(),
    steps: [
      { index: 0, name: 'apply pool & peer' },
      { index: 1, name: 'session comes up' },
      { index: 2, name: 'drop BFD' },
      { index: 3, name: 'route <withdrawn> & "gone"' },
      { index: 4, name: 'restore BFD' },
    ],
  };
}
