import { describe, expect, it } from 'vitest';
import { publishReviewNote, reviewCredit, REVIEW_OPTIONAL } from './review';
import { reviewOf as review, reviewStateOf as state } from '../test/review';



describe('reviewCredit', () => {
  it('credits a decision to who decided it, not to who submitted', () => {
    expect(reviewCredit(review('rejected', 'reviewer'))).toBe('by reviewer · submitted by marketer');
    expect(reviewCredit(review('approved', 'reviewer'))).toBe('by reviewer · submitted by marketer');
  });

  it('names only the submitter while nobody has decided', () => {
    expect(reviewCredit(review('pending'))).toBe('submitted by marketer');
    expect(reviewCredit(review('withdrawn'))).toBe('submitted by marketer');
  });

  it('says a published review was approved by its decider', () => {
    expect(reviewCredit(review('published', 'reviewer'))).toBe('approved by reviewer · submitted by marketer');
  });
});

describe('publishReviewNote', () => {
  it('says a rejection does not block publishing when approval is optional', () => {
    const note = publishReviewNote(state({ review: review('rejected', 'reviewer') }));
    expect(note).toEqual({ text: `reviewer rejected the last review. ${REVIEW_OPTIONAL}`, blocks: false });
    expect(note?.text).toContain('a rejection does not block publishing');
  });

  it('passes on the reason when an approval is required and missing', () => {
    const note = publishReviewNote(
      state({ approval_required: true, publishable: false, blocked_reason: 'the last review was rejected', review: review('rejected', 'reviewer') }),
    );
    expect(note).toEqual({ text: 'Publish: the last review was rejected', blocks: true });
  });

  it('says nothing when the review has no bearing on publishing', () => {
    expect(publishReviewNote(null)).toBeNull();
    expect(publishReviewNote(state({}))).toBeNull();
    expect(publishReviewNote(state({ review: review('approved', 'reviewer') }))).toBeNull();
    expect(publishReviewNote(state({ approval_required: true, review: review('approved', 'reviewer') }))).toBeNull();
  });
});
