import { useEffect, useState } from 'react';
import { editorApi } from '../api/editorApi';
import type { CustomerHistory, EnrollmentPage } from '../api/types';
import { useSessionStore } from '../store/sessionStore';

const PAGE_SIZE = 20;

/** The customers at a node right now (paged), each opening their journey history; editors can
 * select some and take them out of the journey with a reason. */
export function CustomersAtNode({ nodeId, initiallyOpen }: { nodeId: string; initiallyOpen: boolean }) {
  const journeyId = useSessionStore((s) => s.journeyId);
  const canEdit = useSessionStore((s) => s.canEdit);
  const [open, setOpen] = useState(initiallyOpen);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<EnrollmentPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<CustomerHistory | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    if (!open || !journeyId) return;
    let cancelled = false;
    editorApi()
      .enrollments(journeyId, nodeId, offset, PAGE_SIZE)
      .then((p) => !cancelled && (setPage(p), setError(null)))
      .catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : 'Could not load customers'));
    return () => {
      cancelled = true;
    };
  }, [open, journeyId, nodeId, offset, reload]);

  const toggle = (enrollmentId: number) => {
    const next = new Set(selected);
    if (next.has(enrollmentId)) next.delete(enrollmentId);
    else next.add(enrollmentId);
    setSelected(next);
  };

  const removeSelected = () => {
    if (!journeyId || selected.size === 0 || !reason.trim()) return;
    const count = selected.size;
    if (!window.confirm(`Remove ${count} customer${count === 1 ? '' : 's'} from this journey? This cannot be undone.`)) return;
    editorApi()
      .removeCustomers(journeyId, [...selected], reason.trim())
      .then((result) => {
        setNotice(`Removed ${result.removed} customer${result.removed === 1 ? '' : 's'} from the journey.`);
        setSelected(new Set());
        setReason('');
        setReload((n) => n + 1);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : 'Could not remove the customers'));
  };

  const showHistory = (externalId: string) => {
    editorApi()
      .customerHistory(externalId)
      .then(setHistory)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : 'Could not load the history'));
  };

  return (
    <section className="customers">
      <button type="button" className="secondary" onClick={() => setOpen(!open)} aria-expanded={open}>
        {open ? 'Hide customers here' : 'Customers here now'}
      </button>
      {open && (
        <div className="customers__list">
          {error && <p className="field__error">{error}</p>}
          {notice && (
            <p className="customers__notice" role="status">
              {notice}
            </p>
          )}
          {page && page.count === 0 && <p className="muted">Nobody is at this step right now.</p>}
          {page && page.count > 0 && (
            <>
              <ul>
                {page.results.map((e) => (
                  <li key={e.id}>
                    {canEdit && (
                      <input
                        type="checkbox"
                        className="customers__select"
                        aria-label={`Select ${e.customer_id ?? `anonymous #${e.customer_pk}`}`}
                        checked={selected.has(e.id)}
                        onChange={() => toggle(e.id)}
                      />
                    )}
                    {e.customer_id ? (
                      <button type="button" className="link" onClick={() => showHistory(e.customer_id as string)}>
                        {e.customer_id}
                      </button>
                    ) : (
                      <span className="muted">anonymous #{e.customer_pk}</span>
                    )}
                    <a className="customers__profile" href={`/customers/${e.customer_pk}/`} target="_blank" rel="noopener">
                      profile
                    </a>
                    <span className="muted"> · v{e.version}</span>
                    {e.waiting_for && <span className="muted"> · waiting for {e.waiting_for}</span>}
                    {e.due_at && <span className="muted"> · until {new Date(e.due_at).toLocaleString()}</span>}
                  </li>
                ))}
              </ul>
              <div className="customers__pager">
                <button type="button" className="link" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
                  ← Previous
                </button>
                <span className="muted">
                  {offset + 1}–{offset + page.results.length} of {page.count}
                </span>
                <button type="button" className="link" disabled={!page.next} onClick={() => setOffset(offset + PAGE_SIZE)}>
                  Next →
                </button>
              </div>
              {canEdit && selected.size > 0 && (
                <div className="customers__remove">
                  <label htmlFor={`remove-reason-${nodeId}`}>Why remove the {selected.size} selected?</label>
                  <input
                    id={`remove-reason-${nodeId}`}
                    type="text"
                    maxLength={200}
                    value={reason}
                    placeholder="written in their path"
                    onChange={(event) => setReason(event.target.value)}
                  />
                  <button type="button" className="danger" disabled={!reason.trim()} onClick={removeSelected}>
                    Remove selected
                  </button>
                </div>
              )}
            </>
          )}
        </div>
      )}
      {history && (
        <div className="dialog-backdrop" role="presentation" onClick={() => setHistory(null)}>
          <div className="dialog" role="dialog" aria-label="Customer history" onClick={(e) => e.stopPropagation()}>
            <h2>Journeys of {history.customer}</h2>
            {history.journeys.map((j, i) => (
              <section key={i}>
                <h3>
                  {j.journey} <span className="muted">(v{j.version}, {j.status})</span>
                </h3>
                <ol className="history">
                  {j.steps.map((step, k) => (
                    <li key={k}>
                      <time>{new Date(step.at).toLocaleString()}</time> <code>{step.node_id}</code>
                      {step.port && <span className="muted"> → {step.port}</span>} {step.reason}
                    </li>
                  ))}
                </ol>
              </section>
            ))}
            <button type="button" onClick={() => setHistory(null)}>
              Close
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
