import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { junitXml } from '../../src/scenario/report/junit.js';
import { parseJsonLines, timelineToJsonLines } from '../../src/scenario/report/jsonl.js';
import { stableJson } from '../../src/core/stable-json.js';
import { diffResources, Timeline } from '../../src/scenario/timeline.js';
import { sampleRun } from './sample-run.js';
import { findAll, parseXml } from './tiny-xml.js';

describe('timeline', () => {
  it('stamps virtual time and wall time from the injected clock', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1), 500);
    const tl = new Timeline(clock);
    clock.advance(1500);
    const ev = tl.record({ kind: 'log', level: 'info', source: 't', message: 'x' });
    expect(ev.t).toBe(1500);
    expect(ev.wall).toBe('2026-01-01T00:00:01.500Z');
  });

  it('serialises with sorted keys regardless of insertion order', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  it('diffs resources field by field, ignoring resourceVersion', () => {
    const a = { metadata: { resourceVersion: '1' }, status: { result: 'Valid', x: [1, 2] } };
    const b = {
      metadata: { resourceVersion: '9' },
      status: { result: 'Invalid', x: [1, 3], e: 's' },
    };
    expect(diffResources(a, b)).toEqual([
      { path: '.status.e', to: 's' },
      { path: '.status.result', from: 'Valid', to: 'Invalid' },
      { path: '.status.x[1]', from: 2, to: 3 },
    ]);
  });
});

describe('JSON lines reporter', () => {
  it('two virtual-time runs give identical bytes, one event per line', () => {
    const a = timelineToJsonLines(sampleRun().events);
    const b = timelineToJsonLines(sampleRun().events);
    expect(a).toBe(b);
    expect(a.endsWith('\n')).toBe(true);
    const lines = a.trimEnd().split('\n');
    expect(lines.length).toBe(sampleRun().events.length);
    // Keys come sorted: "kind" sorts before "step" and "t" in a step-start line.
    expect(lines[0]).toBe(
      '{"keyword":"apply","kind":"step-start","name":"apply pool & peer","step":0,"t":0,"wall":"2026-01-01T00:00:00.000Z"}',
    );
    expect(parseJsonLines(a)).toEqual(JSON.parse(JSON.stringify(sampleRun().events)));
  });
});

describe('JUnit reporter', () => {
  const xml = junitXml([sampleRun()]);
  const root = parseXml(xml);

  it('is well-formed with one testsuite and one testcase per step', () => {
    expect(root.name).toBe('testsuites');
    const suites = findAll(root, 'testsuite');
    expect(suites.length).toBe(1);
    expect(suites[0]!.attrs).toMatchObject({
      name: 'bfd-down-recovery',
      tests: '5',
      failures: '1',
      errors: '0',
      skipped: '1',
      time: '32.100',
    });
    const cases = findAll(root, 'testcase');
    expect(cases.map((c) => c.attrs['name'])).toEqual([
      'apply pool & peer',
      'session comes up',
      'drop BFD',
      'route <withdrawn> & "gone"',
      'restore BFD',
    ]);
    expect(cases[1]!.attrs['time']).toBe('1.200');
    expect(findAll(cases[4]!, 'skipped').length).toBe(1);
  });

  it('the failure carries expected, actual and the timeline before it, escaped', () => {
    const failure = findAll(root, 'failure')[0]!;
    expect(failure.attrs['type']).toBe('step-fail');
    expect(failure.text).toContain('expected: r1 lacks 192.168.122.210/32 & nothing <else>');
    expect(failure.text).toContain("actual:   route present via 198.18.0.101 (it's still there)");
    expect(failure.text).toContain('+2.100s bgp worker0 198.18.0.1 Established -> Idle (BFD down)');
    expect(failure.text).toContain('+2.100s bgp worker0 -> 198.18.0.1 NOTIFICATION cease/bfd-down');
  });

  it('escapes control characters that XML forbids', () => {
    const run = sampleRun();
    run.name = 'bad\u0001name\u0000';
    const parsed = parseXml(junitXml([run]));
    expect(findAll(parsed, 'testsuite')[0]!.attrs['name']).toBe('bad\uFFFDname\uFFFD');
  });
});
