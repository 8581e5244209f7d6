import { describe, expect, it } from 'vitest';
import { decisionText } from './confirmDecision';

describe('decisionText', () => {
  it('says where new customers go and that those past the split stay when a winner is declared', () => {
    const text = decisionText('winner', 'B', 'Offer');
    expect(text.title).toBe('Declare B the winner of “Offer”?');
    expect(text.body.join(' ')).toContain('New customers all go to B');
    expect(text.body.join(' ')).toContain('Customers already past the split stay');
    expect(text.confirm).toBe('Declare B the winner');
  });

  it('says a stop sends everyone to the chosen arm without a winner', () => {
    const text = decisionText('stop', 'A', 'Offer');
    expect(text.title).toBe('Stop the experiment “Offer”?');
    expect(text.body.join(' ')).toContain('everyone who reaches this split takes A (100%), and no winner is declared');
    expect(text.confirm).toBe('Stop the experiment');
  });

  it('repeats the health warnings when a winner is declared, not when stopping', () => {
    const warnings = ['Enough data: too few to conclude'];
    expect(decisionText('winner', 'B', 'Offer', warnings).warnings).toEqual(warnings);
    expect(decisionText('stop', 'B', 'Offer', warnings).warnings).toEqual([]);
  });
});
