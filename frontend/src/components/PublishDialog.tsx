import { useState } from 'react';
import type { JourneyNode } from '../lib/journey';
import { useGraphStore } from '../store/graphStore';
import { useReviewStore } from '../store/reviewStore';
import { titleKey, useTitleStore } from '../store/titleStore';
import { AudienceEstimate } from './AudienceEstimate';

/** Node ids of the live version with customers waiting in them, and how many. */
export type Occupied = Array<{ nodeId: string; waiting: number }>;

interface PublishDialogProps {
  occupied: Occupied;
  /** Whether publishing starts the journey taking customers (never published, closed or stopped). */
  goingLive: boolean;
  onPublish: (options: { migrate: boolean; mapping: Record<string, string> }) => void;
  onCancel: () => void;
}

/**
 * Who starts entering and what the journey sends, said before it goes live: one click on Publish
 * starts messages to real people, and an audience trigger enters everyone who matches at once.
 */
function GoLiveSummary() {
  const nodes = useGraphStore((s) => s.nodes);
  const catalog = useGraphStore((s) => s.catalog);
  const titles = useTitleStore((s) => s.titles);
  const triggers = nodes.filter((n) => catalog[n.data.kind]?.category === 'trigger');
  const sends = new Map<string, number>();
  for (const n of nodes) {
    const kind = catalog[n.data.kind];
    if (kind?.channel) sends.set(kind.label, (sends.get(kind.label) ?? 0) + 1);
  }
  // The canvas's title for the step; until the server has worded it, its name, else its kind's.
  const name = (n: JourneyNode) => titles[titleKey(n.data)] || n.data.label || catalog[n.data.kind]?.label || n.id;
  // An audience enters who matches at publish in both of these modes (journeys/nodes/base.py
  // AudienceEntry.enters_at_publish); "on_change" also takes whoever comes to match later.
  const entersNow = (n: JourneyNode) => {
    const mode = n.data.config.mode ?? 'at_publish';
    return n.data.kind === 'audience_trigger' && (mode === 'at_publish' || mode === 'on_change');
  };

  return (
    <div className="go-live" data-testid="go-live">
      <p>Publishing makes this journey live: customers start entering and its messages go to real people.</p>
      <h3>Customers enter</h3>
      <ul>
        {triggers.map((n) => (
          <li key={n.id}>
            {name(n)}
            {entersNow(n) && <AudienceEstimate condition={n.data.config.condition} />}
          </li>
        ))}
      </ul>
      <h3>It sends</h3>
      <p data-testid="go-live-sends">
        {sends.size === 0
          ? 'No messages: this journey has no message steps.'
          : [...sends].map(([label, count]) => `${label} (${count} ${count === 1 ? 'step' : 'steps'})`).join(', ')}
      </p>
    </div>
  );
}

/**
 * Asked before a journey goes live (what it will do), and before publishing while customers are
 * inside: keep them on the version they entered, or move them to the new one, choosing where
 * customers of removed steps go.
 */
export function PublishDialog({ occupied, goingLive, onPublish, onCancel }: PublishDialogProps) {
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
        <h2>{goingLive ? 'Start this journey' : 'Publish a new version'}</h2>
        {blocked && (
          <p className="publish-dialog__blocked" role="alert">
            Not publishable yet: {blocked}
          </p>
        )}
        {goingLive && <GoLiveSummary />}
        {occupied.length > 0 && (
          <>
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
          </>
        )}
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
