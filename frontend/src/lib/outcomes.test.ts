import { describe, expect, it } from 'vitest';
import { holdReasons, outcomeSteps, skippedTotal, skipReasons } from './outcomes';

describe('message outcomes', () => {
  const counters = {
    entered: 10,
    'delivery:queued': 10,
    'delivery:sent': 6,
    'delivery:opened': 2,
    'delivery:skipped': 4,
    'delivery:skipped:no_consent': 3,
    'delivery:skipped:no_address': 1,
    'delivery:held:quiet_hours': 2,
    'delivery:held:new_reason': 1,
  };

  it('reads every step, zero when not counted yet', () => {
    const steps = Object.fromEntries(outcomeSteps(counters).map((step) => [step.key, step.value]));
    expect(steps).toEqual({ queued: 10, sent: 6, delivered: 0, opened: 2, clicked: 0, failed: 0 });
    expect(outcomeSteps(undefined).every((step) => step.value === 0)).toBe(true);
  });

  it('lists skip reasons that happened, largest first, with readable labels', () => {
    expect(skipReasons(counters).map((r) => [r.label, r.value])).toEqual([
      ['no consent', 3],
      ['no address', 1],
    ]);
    expect(skippedTotal(counters)).toBe(4);
  });

  it('names a reason it does not know by its key', () => {
    expect(holdReasons(counters).map((r) => r.label)).toEqual(['quiet hours', 'new reason']);
  });
});
