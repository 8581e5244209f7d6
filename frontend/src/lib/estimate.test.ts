import { describe, expect, it } from 'vitest';
import { describeEstimate, isEstimable } from './estimate';

describe('describeEstimate', () => {
  it('gives exact counts in full', () => {
    expect(describeEstimate({ count: 1234, exact: true })).toBe('1,234 customers match now');
    expect(describeEstimate({ count: 1, exact: true })).toBe('1 customer matches now');
  });

  it('says an estimate is one, rounded', () => {
    expect(describeEstimate({ count: 1_200_000, exact: false })).toBe(
      'about 1.2 M customers match now (estimate from a sample)',
    );
    expect(describeEstimate({ count: 45_000, exact: false })).toBe('about 45 k customers match now (estimate from a sample)');
    expect(describeEstimate({ count: 120_000, exact: false })).toBe('about 120 k customers match now (estimate from a sample)');
    expect(describeEstimate({ count: 2_000_000, exact: false })).toBe('about 2 M customers match now (estimate from a sample)');
    expect(describeEstimate({ count: 0, exact: false })).toContain('almost no customers');
  });
});

describe('isEstimable', () => {
  it('needs a non-empty condition object', () => {
    expect(isEstimable({})).toBe(false);
    expect(isEstimable(null)).toBe(false);
    expect(isEstimable([])).toBe(false);
    expect(isEstimable({ all: [] })).toBe(true);
  });
});
