import { useState } from 'react';
import { useGraphStore } from '../store/graphStore';
import { useReviewStore } from '../store/reviewStore';

interface PublishDialogProps {
  /** Node ids of the live version with customers waiting in them, and how many. */
  occupied: Array<{ nodeId: string; waiting: number }>;
  onPublish: (options: { migrate: boolean; mapping: Record<string, string> }) => void;
  onCancel: () => void;
}

/**
 * Asked before publishing while customers are inside: keep them on the version they entered,
 * or move them to the new one, choosing where customers of removed steps go.
 */
export function PublishDialog({ occupied, onPublish, onCancel }: PublishDialogProps) {
  const nodes = useGraphStore((s) => s.nodes);
  const draftIds = new Set(nodes.map((n) => n.id));
  const [migrate, setMigrate] = useState(false);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const total = occupied.reduce((sum, o) => sum + o.waiting, 0);
  const removed = occupied.filter((o) => !draftIds.has(o.nodeId));
  // Approval before publish: say why the server will refuse, before the marketer chooses.
  const blocked = useReviewStore((s) => (s.state && !s.state.publishable ? s.state.blocked_reason : ''));

  return (
    <div className="dialog-backdrop" role="presentation">
      <div className="dialog" role="dialog" aria-label="Publish">
        <h2>Publish a new version</h2>
        {blocked && (
          <p className="publish-dialog__blocked" role="alert">
            Not publishable yet: {blocked}
          </p>
        )}
        <p>
          {total} {total === 1 ? 'customer is' : 'customers are'} inside this journey now.
        </p>
        <label className="field__check">
          <input type="radio" name="migrate" checked={!migrate} onChange={() => setMigrate(false)} />
          Keep them on the version they entered; only new customers get this one.
        </label>
        <label className="field__check">
          <input type="radio" name="migrate" checked={migrate} onChange={() => setMigrate(true)} />
          Move them to the new version (each to the step with the same id).
        </label>
        {migrate && (
          <p className="muted" data-testid="migrate-timers">
            Customers waiting at a step that is still the same kind keep the time they were due to go on (a longer
            wait applies to those who arrive after publishing); at a step moved elsewhere or of another kind, the step
            starts afresh.
          </p>
        )}
        {migrate && removed.length > 0 && (
          <table className="mapping">
            <caption>Steps that no longer exist: choose where their customers go</caption>
            <tbody>
              {removed.map((o) => (
                <tr key={o.nodeId}>
                  <td>
                    <code>{o.nodeId}</code> ({o.waiting})
                  </td>
                  <td>
                    <select
                      aria-label={`New step for ${o.nodeId}`}
                      value={mapping[o.nodeId] ?? ''}
                      onChange={(e) => {
                        const next = { ...mapping };
                        if (e.target.value) next[o.nodeId] = e.target.value;
                        else delete next[o.nodeId];
                        setMapping(next);
                      }}
                    >
                      <option value="">They leave the journey</option>
                      {nodes.map((n) => (
                        <option key={n.id} value={n.id}>
                          {n.data.label || n.id} ({n.id})
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="dialog__actions">
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" onClick={() => onPublish({ migrate, mapping: migrate ? mapping : {} })}>
            Publish
          </button>
        </div>
      </div>
    </div>
  );
}
