import { describe, expect, it } from 'vitest';
import { splitDuration, toSeconds, describeDuration } from './duration';
import { edgePort, edgeTraffic, formatMetric, percent } from './metrics';

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
