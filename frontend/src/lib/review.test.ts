import { describe, expect, it } from 'vitest';
import type { ReviewState } from '../api/governanceApi';
import { publishReviewNote, reviewCredit, REVIEW_OPTIONAL } from './review';

const review = (status: string, decided_by = '') => ({
  id: 1,
  status,
  note: '',
  submitted_by: 'marketer',
  submitted_at: '2026-01-01T00:00:00Z',
  decided_by,
  decided_at: decided_by ? '2026-01-02T00:00:00Z' : null,
  decision_note: '',
  comments: [],
});

const state = (over: Partial<ReviewState>): ReviewState => ({
  approval_required: false,
  override: null,
  locked: false,
  can_submit: true,
  can_review: false,
  can_withdraw: false,
  can_set_policy: false,
  earlier: [],
  publishable: true,
  blocked_reason: '',
  review: null,
  diff: { nodes: { added: [], removed: [], changed: [], moved: [] }, edges: { added: [], removed: [], changed: [] }, settings: [] },
  ...over,
});

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
