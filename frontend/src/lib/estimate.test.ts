import { describe, expect, it } from 'vitest';
import { conditionStatus, describeEstimate } from './estimate';

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

describe('conditionStatus', () => {
  it('calls a condition without any leaf empty', () => {
    expect(conditionStatus({})).toBe('empty');
    expect(conditionStatus(null)).toBe('empty');
    expect(conditionStatus([])).toBe('empty');
    expect(conditionStatus({ all: [] })).toBe('empty');
    expect(conditionStatus({ not: { any: [{ all: [] }] } })).toBe('empty');
  });

  it('calls a leaf missing what the server needs incomplete', () => {
    expect(conditionStatus({ all: [{ type: 'prediction', op: 'gte', value: 0.7 }] })).toBe('incomplete');
    expect(conditionStatus({ type: 'prediction', prediction: 2, top_percent: undefined, value: undefined })).toBe('incomplete');
    expect(conditionStatus({ type: 'attribute', attribute: '', op: 'eq', value: '' })).toBe('incomplete');
    expect(conditionStatus({ type: 'event', event: ' ', min_count: 1 })).toBe('incomplete');
    // A complete leaf beside an empty group is still not countable.
    expect(conditionStatus({ all: [{ type: 'consent', channel: 'email' }, { any: [] }] })).toBe('incomplete');
  });

  it('calls a condition with every leaf filled in complete', () => {
    expect(conditionStatus({ type: 'prediction', prediction: 1, op: 'gte', value: 0.7 })).toBe('complete');
    expect(conditionStatus({ type: 'prediction', prediction: 1, top_percent: 10 })).toBe('complete');
    expect(conditionStatus({ type: 'attribute', attribute: 'plan', op: 'exists' })).toBe('complete');
    expect(
      conditionStatus({ any: [{ type: 'event', event: 'Order Completed', min_count: 1 }, { not: { type: 'consent', channel: 'sms' } }] }),
    ).toBe('complete');
  });
});
