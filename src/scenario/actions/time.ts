/** `advance` (virtual time moves at once; on a real clock the runner waits) and `sleep` (real time only). */
import { ScenarioErrorCode } from '../errors.js';
import { ms } from '../references.js';
import { fail } from '../resources.js';
import type { ActionDef } from '../registry/types.js';

export interface TimeAction {
  kind: 'advance' | 'sleep';
  ms: number;
}

export const timeAction: ActionDef<TimeAction> = {
  kinds: ['advance', 'sleep'],
  keys: {
    advance: {
      $ref: '#/definitions/duration',
      description: 'Move virtual time forward; with clock: real, wait as long.',
    },
    sleep: {
      $ref: '#/definitions/duration',
      description: 'Wait real time (clock: real only).',
    },
  },
  parse(ctx, key, value, p) {
    if (key === 'sleep' && ctx.clock !== 'real') {
      fail(
        ctx,
        ScenarioErrorCode.ClockMismatch,
        ctx.map.valueAt(p),
        'sleep waits real time: expected clock: real (use advance with clock: virtual)',
      );
    }
    return { kind: key as 'advance' | 'sleep', ms: ms(value) };
  },
  describe: (a) => `${a.kind} ${a.ms}ms`,
  maxDurationMs: (a) => a.ms,
  async act({ s }, a) {
    await s.advance(a.ms);
  },
};
