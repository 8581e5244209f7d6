import { describe, expect, it, vi } from 'vitest';
import type { ReviewState } from '../api/governanceApi';
import { useReviewStore } from '../store/reviewStore';
import { ReviewPanel } from './ReviewPanel';
import { mountHarness } from '../test/mount';
import { NO_DIFF, reviewOf as review, reviewStateOf as state } from '../test/review';

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

  it('says what a resubmitted draft changed since the rejected round, apart from the changes against live', () => {
    const since = {
      ...NO_DIFF,
      nodes: {
        ...NO_DIFF.nodes,
        changed: [{ id: 'w', fields: ['config.seconds'], values: [{ field: 'config.seconds', before: 60, after: 3600 }] }],
      },
      names: { w: 'Wait' },
    };
    const live = { ...NO_DIFF, nodes: { ...NO_DIFF.nodes, added: ['w'] }, names: { w: 'Wait' }, live_version: 3 };
    show(state({ review: { ...review('pending'), id: 2 }, since_earlier: { round: 1, status: 'rejected', diff: since }, diff: live }));
    expect(mounted.container().querySelector('[data-testid="review-since-earlier"] h3')?.textContent).toBe(
      'Changed since the rejected round',
    );
    expect(text('review-since-earlier')).toContain('“Wait”: seconds 60 → 3600');
    expect(text('review-diff')).toContain('Steps added: “Wait”');
    expect(text('review-diff')).not.toContain('seconds 60');
  });

  it('has no such section for a first round', () => {
    show(state({ review: review('pending') }));
    expect(text('review-since-earlier')).toBeNull();
  });

  it('does not say so when publishing needs an approval', () => {
    show(state({ approval_required: true, review: review('pending') }));
    expect(text('approval-rule')).toBe('Publishing this journey needs an approval.');
    expect(mounted.container().querySelector('[data-testid="review-optional"]')).toBeNull();
  });
});
