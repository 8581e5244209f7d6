/**
 * Approval before publish, on the canvas: a Marketer submits the draft; Reviewers and Admins see
 * what it changes against the live version (drawn on the canvas), comment, approve or reject.
 * The panel also lists the person's latest notifications.
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { governanceApi, type GraphDiff, type ReviewComment } from '../api/governanceApi';
import { REVIEW_OPTIONAL, REVIEW_STATUS_LABELS as STATUS_LABELS, reviewCredit } from '../lib/review';
import { describeChange, diffHeading, hasChanges, stepName } from '../lib/reviewDiff';
import { saveDraft } from '../store/actions';
import { useReviewStore } from '../store/reviewStore';

export function ReviewPanel() {
  const r = useReviewStore(
    useShallow((s) => ({
      open: s.open,
      state: s.state,
      notifications: s.notifications,
      showDiff: s.showDiff,
      busy: s.busy,
      error: s.error,
      journeyId: s.journeyId,
    })),
  );
  const store = useReviewStore.getState;
  const [note, setNote] = useState('');
  const [comment, setComment] = useState('');
  if (!r.open) return null;
  const state = r.state;
  const review = state?.review ?? null;
  const pending = review?.status === 'pending';
  const api = governanceApi();
  const diff = state?.diff;

  return (
    <aside className="review-panel" role="dialog" aria-label="Review">
      <header className="review-panel__head">
        <h2>Review</h2>
        <button type="button" className="link" onClick={() => store().setOpen(false)} aria-label="Close the review panel">
          Close
        </button>
      </header>

      {r.error && (
        <p className="review-panel__error" role="alert">
          {r.error}
        </p>
      )}

      {state && (
        <section>
          <p className="muted" data-testid="approval-rule">
            {state.approval_required ? 'Publishing this journey needs an approval.' : REVIEW_OPTIONAL}
            {state.override !== null && ' (set for this journey)'}
          </p>
          {state.can_set_policy && (
            <label className="review-panel__field">
              Approval for this journey
              <select
                aria-label="Approval for this journey"
                value={state.override === null ? '' : String(state.override)}
                onChange={(e) =>
                  void store().run(() =>
                    api.setPolicy(r.journeyId as string, e.target.value === '' ? null : e.target.value === 'true'),
                  )
                }
              >
                <option value="">As the install says</option>
                <option value="true">Required</option>
                <option value="false">Not required</option>
              </select>
            </label>
          )}
          {state.approval_required && !state.publishable && (
            <p className="review-panel__blocked" data-testid="publish-blocked">
              Publish: {state.blocked_reason}
            </p>
          )}
        </section>
      )}

      {review && (
        <section data-testid="review">
          <h3>
            <span className={`badge review-status review-status--${review.status}`}>{STATUS_LABELS[review.status] ?? review.status}</span>{' '}
            <span data-testid="review-credit">{reviewCredit(review)}</span>
          </h3>
          {review.note && <p className="review-panel__note">{review.note}</p>}
          {review.decided_by && review.decision_note && (
            <p className="muted">
              Note from {review.decided_by}: {review.decision_note}
            </p>
          )}
        </section>
      )}

      {state?.since_earlier && (
        <section data-testid="review-since-earlier">
          <h3>
            Changed since the {(STATUS_LABELS[state.since_earlier.status] ?? state.since_earlier.status).toLowerCase()}{' '}
            round
          </h3>
          <DiffList diff={state.since_earlier.diff} />
        </section>
      )}

      {diff && (
        <section data-testid="review-diff">
          <h3>{diffHeading(diff)}</h3>
          <DiffList diff={diff} />
          <label className="field__check">
            <input type="checkbox" checked={r.showDiff} onChange={(e) => store().setShowDiff(e.target.checked)} />
            Show the changes on the canvas
          </label>
        </section>
      )}

      {state?.can_submit && (
        <section>
          <label className="review-panel__field">
            Note for the reviewers
            <textarea value={note} maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} />
          </label>
          <button
            type="button"
            disabled={r.busy}
            onClick={() =>
              void store()
                .run(async () => {
                  await saveDraft();
                  await api.submit(r.journeyId as string, note);
                })
                .then((ok) => ok && setNote(''))
            }
          >
            Submit for review
          </button>
        </section>
      )}

      {pending && review && (
        <section className="review-panel__actions">
          {state?.can_review && (
            <>
              {!state.approval_required && (
                // Right above the buttons: a reviewer must not take Reject for a block on publishing.
                <p className="review-panel__optional" data-testid="review-optional">
                  Review is optional here: a rejection does not block publishing.
                </p>
              )}
              <label className="review-panel__field">
                Decision note
                <textarea value={note} maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} />
              </label>
              <button type="button" disabled={r.busy} onClick={() => void store().run(() => api.approve(review.id, note))}>
                Approve
              </button>{' '}
              <button
                type="button"
                className="secondary danger"
                disabled={r.busy}
                onClick={() => void store().run(() => api.reject(review.id, note))}
              >
                Reject
              </button>{' '}
            </>
          )}
          {state?.can_withdraw && (
            <button type="button" className="secondary" disabled={r.busy} onClick={() => void store().run(() => api.withdraw(review.id))}>
              Withdraw
            </button>
          )}
        </section>
      )}

      {review && (
        <section data-testid="review-comments">
          <h3>Comments</h3>
          {review.comments.length === 0 && <p className="muted">No comments yet.</p>}
          <Comments comments={review.comments} />
          <textarea aria-label="Comment" value={comment} maxLength={4000} rows={2} onChange={(e) => setComment(e.target.value)} />
          <button
            type="button"
            className="secondary"
            disabled={r.busy || comment.trim() === ''}
            onClick={() => void store().run(() => api.comment(review.id, comment)).then((ok) => ok && setComment(''))}
          >
            Comment
          </button>
        </section>
      )}

      {state && state.earlier.length > 0 && (
        <details className="review-panel__earlier" data-testid="review-earlier">
          <summary>
            Earlier rounds ({state.earlier.length})
          </summary>
          {state.earlier.map((round) => (
            <div key={round.id} className="review-panel__round">
              <p>
                <span className={`badge review-status review-status--${round.status}`}>{STATUS_LABELS[round.status] ?? round.status}</span>{' '}
                {reviewCredit(round)} <span className="muted">{new Date(round.submitted_at).toLocaleString()}</span>
              </p>
              {round.note && <p className="review-panel__note">{round.note}</p>}
              {round.decided_by && round.decision_note && (
                <p className="muted">
                  Note from {round.decided_by}: {round.decision_note}
                </p>
              )}
              <Comments comments={round.comments} />
            </div>
          ))}
        </details>
      )}

      {r.notifications && r.notifications.results.length > 0 && (
        <section data-testid="notifications">
          <h3>Notifications</h3>
          <ul className="review-panel__notifications">
            {r.notifications.results.slice(0, 8).map((n) => (
              <li key={n.id} className={n.read_at ? 'muted' : ''}>
                {n.journey ? <a href={`/journeys/${n.journey}/`}>{n.message}</a> : n.message}
              </li>
            ))}
          </ul>
        </section>
      )}
    </aside>
  );
}

function Comments({ comments }: { comments: ReviewComment[] }) {
  return (
    <ul className="review-panel__comments">
      {comments.map((c) => (
        <li key={c.id}>
          <strong>{c.author || 'someone'}</strong> <span className="muted">{new Date(c.created_at).toLocaleString()}</span>
          <p>{c.body}</p>
        </li>
      ))}
    </ul>
  );
}

/** A diff read aloud: steps and connections added, changed (field by field) and removed, settings changed. */
function DiffList({ diff }: { diff: GraphDiff }) {
  if (!hasChanges(diff)) return <p className="muted">No change to steps, connections or settings.</p>;
  return (
    <ul className="review-panel__changes">
      {diff.nodes.added.length > 0 && <li>Steps added: {diff.nodes.added.map((id) => stepName(diff, id)).join(', ')}</li>}
      {diff.nodes.changed.length > 0 && (
        <li>
          Steps changed:
          <ul>
            {diff.nodes.changed.map((change) => (
              <li key={change.id}>{describeChange(diff, change)}</li>
            ))}
          </ul>
        </li>
      )}
      {diff.nodes.removed.length > 0 && (
        <li>Steps removed: {diff.nodes.removed.map((id) => stepName(diff, id)).join(', ')}</li>
      )}
      {diff.edges.added.length > 0 && <li>Connections added: {diff.edges.added.length}</li>}
      {diff.edges.changed.length > 0 && <li>Connections changed: {diff.edges.changed.length}</li>}
      {diff.edges.removed.length > 0 && <li>Connections removed: {diff.edges.removed.join(', ')}</li>}
      {diff.settings.length > 0 && <li>Settings changed: {diff.settings.map((s) => s.key).join(', ')}</li>}
    </ul>
  );
}
