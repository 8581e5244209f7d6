import { describe, expect, it } from 'vitest';
import { splitDuration, toSeconds, describeDuration } from './duration';
import { edgePort, edgeTraffic, formatMetric, percent, portShares, roundShares } from './metrics';

describe('node metrics', () => {
  const counters = { entered: 40, waiting: 10, exited: 30, 'passed:yes': 30, 'passed:no': 10 };

  it('shows counts as they are and shares of entered in percent mode', () => {
    expect(formatMetric('waiting', counters, 'counts')).toBe('10');
    expect(formatMetric('waiting', counters, 'percent')).toBe('25%');
    expect(formatMetric('entered', counters, 'percent')).toBe('40');
    expect(formatMetric('errored', undefined, 'counts')).toBe('0');
    expect(formatMetric('errored', undefined, 'percent')).toBe('–');
  });

  it('never divides by zero', () => {
    expect(percent(3, 0)).toBe('–');
    expect(percent(1, 3)).toBe('33%');
  });
});

describe('shares rounded together', () => {
  it('adds up to 100 % where rounding each share alone gives 101 %', () => {
    // 3 and 5 of 8: 37.5 % and 62.5 %, each rounded alone 38 % + 63 %.
    expect(roundShares([3, 5, 0], 8)).toEqual([38, 62, 0]);
    expect(roundShares([1, 1, 1], 3)).toEqual([34, 33, 33]);
    expect(roundShares([2, 2, 2, 1], 7).reduce((a, b) => a + b)).toBe(100);
  });

  it('keeps a partial total (customers still waiting) at its own rounded value', () => {
    expect(roundShares([1, 1], 6)).toEqual([17, 16]);
    expect(roundShares([0, 0], 0)).toEqual([0, 0]);
  });

  it('gives a split\'s arms, shown on its ports, shares that total 100 %', () => {
    const counters = { entered: 8, 'passed:email': 3, 'passed:in-app': 5, 'passed:control': 0 };
    expect(portShares(counters, ['email', 'in-app', 'control'])).toEqual({ email: '38%', 'in-app': '62%', control: '0%' });
    expect(portShares(undefined, ['a', 'b'])).toEqual({ a: '–', b: '–' });
  });

  it('labels the edges leaving a node with shares that total 100 %', () => {
    const counters = { entered: 8, 'passed:email': 3, 'passed:in-app': 5 };
    expect([edgeTraffic(counters, 'email', 'percent'), edgeTraffic(counters, 'in-app', 'percent')]).toEqual(['38%', '62%']);
  });
});

describe('edge traffic', () => {
  const counters = { entered: 40, 'passed:yes': 30, 'passed:no': 10 };

  it('gives the port count, or the port share of everyone who left the node', () => {
    expect(edgeTraffic(counters, 'yes', 'counts')).toBe('30');
    expect(edgeTraffic(counters, 'no', 'percent')).toBe('25%');
  });

  it('gives nothing when nothing passed', () => {
    expect(edgeTraffic(counters, 'maybe', 'counts')).toBeNull();
    expect(edgeTraffic({ entered: 3 }, 'yes', 'percent')).toBeNull();
    expect(edgeTraffic(undefined, 'yes', 'counts')).toBeNull();
  });

  it('reads an empty handle as the node’s only port', () => {
    expect(edgePort(null, ['next'])).toBe('next');
    expect(edgePort(null, ['matched', 'timeout'])).toBeNull();
    expect(edgePort('timeout', ['matched', 'timeout'])).toBe('timeout');
  });
});

describe('durations', () => {
  it('splits seconds into the largest whole unit and back', () => {
    expect(splitDuration(86_400 * 3)).toEqual({ amount: 3, unit: 'days' });
    expect(splitDuration(5400)).toEqual({ amount: 90, unit: 'minutes' });
    expect(splitDuration(-3600)).toEqual({ amount: -1, unit: 'hours' });
    expect(splitDuration(61)).toEqual({ amount: 61, unit: 'seconds' });
    expect(toSeconds(1.5, 'hours')).toBe(5400);
    expect(describeDuration(3600)).toBe('1 hour');
    expect(describeDuration(7200)).toBe('2 hours');
  });
});
