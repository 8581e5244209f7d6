import { describe, expect, it } from 'vitest';
import { normalizeSettings, sameSettings, settingsErrors } from './journeySettings';

describe('normalizeSettings', () => {
  it('fills the defaults of empty settings', () => {
    expect(normalizeSettings({})).toEqual({
      goal: null,
      exit_criteria: [],
      re_entry: { mode: 'never', min_gap_seconds: 0 },
      entry_cap: null,
    });
  });

  it('keeps a goal with its filters and fills its window', () => {
    const settings = normalizeSettings({ goal: { event: 'Order Completed', filters: [{ property: 'total', op: 'gt', value: 5 }] } });
    expect(settings.goal).toEqual({
      event: 'Order Completed',
      filters: [{ property: 'total', op: 'gt', value: 5 }],
      window_days: 7,
      exit_on_conversion: false,
    });
  });

  it('reads settings that are not an object as empty ones', () => {
    expect(normalizeSettings(null).re_entry.mode).toBe('never');
    expect(normalizeSettings([1, 2]).exit_criteria).toEqual([]);
  });
});

describe('sameSettings', () => {
  it('treats defaults written out and left out as the same', () => {
    expect(sameSettings({}, { re_entry: { mode: 'never', min_gap_seconds: 0 }, entry_cap: null, exit_criteria: [] })).toBe(true);
  });

  it('ignores key order but not values', () => {
    expect(sameSettings({ goal: { window_days: 3, event: 'A' } }, { goal: { event: 'A', window_days: 3 } })).toBe(true);
    expect(sameSettings({ goal: { event: 'A', window_days: 3 } }, { goal: { event: 'A', window_days: 4 } })).toBe(false);
    expect(sameSettings({}, { entry_cap: 10 })).toBe(false);
  });
});

describe('settingsErrors', () => {
  it('reads the per-field paths the server answers with', () => {
    expect(settingsErrors({ settings: { 'goal.window_days': ['Too big.'], entry_cap: ['Too small.'] } })).toEqual({
      'goal.window_days': 'Too big.',
      entry_cap: 'Too small.',
    });
  });

  it('puts a message about the whole object under "settings"', () => {
    expect(settingsErrors({ settings: ['settings must be an object'] })).toEqual({ settings: 'settings must be an object' });
    expect(settingsErrors({ detail: 'Not allowed.' })).toEqual({ settings: 'Not allowed.' });
  });
});
