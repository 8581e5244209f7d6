import { useReactFlow } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import type { ValidationIssue } from '../api/types';
import { publishReviewNote } from '../lib/review';
import { useGraphStore } from '../store/graphStore';
import { useReviewStore } from '../store/reviewStore';
import { useSessionStore } from '../store/sessionStore';

/** The server's validation as a list; clicking an item selects and centres its node. */
export function ProblemsPanel() {
  const validation = useSessionStore((s) => s.validation);
  const canEdit = useSessionStore((s) => s.canEdit);
  const reviewNote = useReviewStore(useShallow((s) => publishReviewNote(s.state)));
  const flow = useReactFlow();
  if (!canEdit) {
    return (
      <p className="muted problems">
        You can look at this journey, its versions and its live counts; select a step to see its settings and the
        customers in it.
      </p>
    );
  }
  if (!validation) return <p className="muted problems">Checking the journey…</p>;
  const focus = (issue: ValidationIssue) => {
    if (!issue.node_id) return;
    useGraphStore.getState().selectOnly(issue.node_id);
    void flow.fitView({ nodes: [{ id: issue.node_id }], duration: 300, maxZoom: 1.2 });
  };
  const item = (issue: ValidationIssue, level: 'error' | 'warning', index: number) => (
    <li key={`${level}-${index}`} className={`problems__item is-${level}`}>
      <button type="button" className="link" disabled={!issue.node_id} onClick={() => focus(issue)}>
        {issue.node_id && <code>{issue.node_id}</code>} {issue.field ? `${issue.field}: ` : ''}
        {issue.message}
      </button>
    </li>
  );
  return (
    <section className="problems" aria-label="Problems" data-testid="problems">
      <h2>
        {validation.errors.length === 0 ? 'No errors' : `${validation.errors.length} error${validation.errors.length === 1 ? '' : 's'}`}
        {validation.warnings.length > 0 && `, ${validation.warnings.length} warning${validation.warnings.length === 1 ? '' : 's'}`}
      </h2>
      {validation.errors.length === 0 && validation.warnings.length === 0 && !reviewNote?.blocks && (
        <p className="muted">The journey can be published.</p>
      )}
      {reviewNote && (
        // Next to Publish's checks: what the last review means for publishing.
        <p className={reviewNote.blocks ? 'review-panel__blocked' : 'problems__review'} data-testid="publish-review-note">
          {reviewNote.text}
        </p>
      )}
      <ul>
        {validation.errors.map((issue, i) => item(issue, 'error', i))}
        {validation.warnings.map((issue, i) => item(issue, 'warning', i))}
      </ul>
    </section>
  );
}
