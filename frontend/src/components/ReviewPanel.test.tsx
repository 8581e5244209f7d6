import { describe, expect, it, vi } from 'vitest';
import type { ReviewState } from '../api/governanceApi';
import { useReviewStore } from '../store/reviewStore';
import { ReviewPanel } from './ReviewPanel';
import { mountHarness } from '../test/mount';
import { reviewOf as review, reviewStateOf as state } from '../test/review';

vi.mock('../api/governanceApi', () => ({ governanceApi: () => ({}) }));


const mounted = mountHarness();

function show(s: ReviewState) {
  useReviewStore.setState({ open: true, state: s, journeyId: '10', notifications: null });
  mounted.render(<ReviewPanel />);
}

const text = (testId: string) => mounted.container().querySelector(`[data-testid="${testId}"]`)?.textContent ?? null;

describe('ReviewPanel', () => {
  it('credits the decision to the reviewer and the submission to the marketer', () => {
    show(state({ review: review('rejected', 'reviewer') }));
    expect(mounted.container().querySelector('[data-testid="review"] h3')?.textContent).toBe('Rejected by reviewer · submitted by marketer');
    expect(mounted.container().textContent).toContain('Note from reviewer: Wait is too short');
  });

  it('tells a reviewer, above Approve and Reject, that a rejection does not block publishing', () => {
    show(state({ review: review('pending') }));
    expect(text('approval-rule')).toContain('Review is optional for this journey');
    const optional = mounted.container().querySelector('[data-testid="review-optional"]');
    expect(optional?.textContent).toBe('Review is optional here: a rejection does not block publishing.');
    // It comes before the buttons it explains.
    const approve = [...mounted.container().querySelectorAll('button')].find((b) => b.textContent === 'Approve');
    expect(approve && optional?.compareDocumentPosition(approve)).toBe(Node.DOCUMENT_POSITION_FOLLOWING);
  });

  it("keeps the earlier rounds' notes and comments readable after a resubmission", () => {
    const before = {
      ...review('rejected', 'reviewer'),
      id: 1,
      comments: [{ id: 7, author: 'reviewer', body: 'The wait is only a minute', created_at: '2026-01-01T10:00:00Z' }],
    };
    show(state({ review: { ...review('pending'), id: 2 }, earlier: [before] }));
    const earlier = text('review-earlier') ?? '';
    expect(earlier).toContain('Earlier rounds (1)');
    expect(earlier).toContain('Rejected by reviewer · submitted by marketer');
    expect(earlier).toContain('Note from reviewer: Wait is too short');
    expect(earlier).toContain('The wait is only a minute');
  });

  it('does not say so when publishing needs an approval', () => {
    show(state({ approval_required: true, review: review('pending') }));
    expect(text('approval-rule')).toBe('Publishing this journey needs an approval.');
    expect(mounted.container().querySelector('[data-testid="review-optional"]')).toBeNull();
  });
});
