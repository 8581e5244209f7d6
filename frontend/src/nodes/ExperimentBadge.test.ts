import { describe, expect, it } from 'vitest';
import { badgeLabel } from './ExperimentBadge';

describe('badgeLabel', () => {
  it('keeps an arm key as written and capitalises only the state word', () => {
    expect(badgeLabel('decided', 'in-app')).toBe('Winner: in-app');
    expect(badgeLabel('stopped', 'email')).toBe('Stopped: email');
    expect(badgeLabel('running', null)).toBe('Running');
    expect(badgeLabel('bandit', null)).toBe('Bandit');
  });
});
