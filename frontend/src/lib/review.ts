/** What the review panel and the problems list say about a journey's review. */
import type { Review, ReviewState } from '../api/governanceApi';

export const REVIEW_STATUS_LABELS: Record<string, string> = {
  pending: 'In review',
  approved: 'Approved',
  rejected: 'Rejected',
  withdrawn: 'Withdrawn',
  published: 'Published',
};

/** Shown whenever the journey does not need an approval, so nobody reads a rejection as a block. */
export const REVIEW_OPTIONAL =
  'Review is optional for this journey: publishing needs no approval, and a rejection does not block publishing.';

/**
 * Who did what, after the status badge: the decision is credited to who decided it (`decided_by`),
 * not to who submitted the draft, e.g. "by reviewer · submitted by marketer".
 */
export function reviewCredit(review: Pick<Review, 'status' | 'submitted_by' | 'decided_by'>): string {
  const submitted = `submitted by ${review.submitted_by || 'someone'}`;
  if (!review.decided_by) return submitted;
  // A published review was approved first; its decider is the approver.
  const decided = review.status === 'published' ? `approved by ${review.decided_by}` : `by ${review.decided_by}`;
  return `${decided} · ${submitted}`;
}

/**
 * What the review means for the Publish button, for the problems list next to it; null when
 * there is nothing to say. Without it the list says "can be published" while an approval is
 * missing, or says nothing while a rejection (which does not count here) is outstanding.
 * `blocks`: the server will refuse to publish until the review allows it.
 */
export function publishReviewNote(state: ReviewState | null): { text: string; blocks: boolean } | null {
  if (!state) return null;
  if (state.approval_required) {
    return state.publishable ? null : { text: `Publish: ${state.blocked_reason}`, blocks: true };
  }
  if (state.review?.status !== 'rejected') return null;
  return { text: `${state.review.decided_by || 'A reviewer'} rejected the last review. ${REVIEW_OPTIONAL}`, blocks: false };
}
