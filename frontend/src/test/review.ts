/** Review and review-state fixtures for the review panel's and the review wording's tests. */
import type { Review, ReviewState } from '../api/governanceApi';

export const NO_DIFF: ReviewState['diff'] = {
  nodes: { added: [], removed: [], changed: [], moved: [] },
  edges: { added: [], removed: [], changed: [] },
  settings: [],
};

/** A review submitted by "marketer"; decided (with a note) when `decidedBy` is given. */
export const reviewOf = (status: string, decidedBy = '', over: Partial<Review> = {}): Review => ({
  id: 1,
  status,
  note: '',
  submitted_by: 'marketer',
  submitted_at: '2026-01-01T00:00:00Z',
  decided_by: decidedBy,
  decided_at: decidedBy ? '2026-01-02T00:00:00Z' : null,
  decision_note: decidedBy ? 'Wait is too short' : '',
  comments: [],
  ...over,
});

/** A journey whose review is optional, with nothing changed, as a user who may submit and review sees it. */
export const reviewStateOf = (over: Partial<ReviewState> = {}): ReviewState => ({
  approval_required: false,
  override: null,
  locked: false,
  can_submit: true,
  can_review: true,
  can_withdraw: false,
  can_set_policy: false,
  earlier: [],
  publishable: true,
  blocked_reason: '',
  review: null,
  diff: NO_DIFF,
  since_earlier: null,
  ...over,
});
