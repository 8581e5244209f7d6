import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ApiError } from '../api/client';
import { editorApi } from '../api/editorApi';
import {
  buildRequest,
  CONSENT_CHANNELS,
  emptyForm,
  formatOffset,
  formatValue,
  highlightCss,
  visitedEdgeIds,
  type ConsentChoice,
  type EventRow,
  type TestRunForm,
  type TestRunResult,
  type TimeUnit,
} from '../lib/testRun';
import { saveDraft } from '../store/actions';
import { useGraphStore } from '../store/graphStore';
import { useSessionStore } from '../store/sessionStore';

const STATUS_WORDS: Record<TestRunResult['status'], string> = {
  exited: 'Left the journey',
  errored: 'Errored',
  waiting: 'Still inside at the end of the simulated time',
  step_limit: 'Stopped: too many steps (a loop?)',
};
const JUMPS = [
  { label: '+1 day', days: 1 },
  { label: '+7 days', days: 7 },
  { label: '+30 days', days: 30 },
];

/** The readable part of a rendered message: text for email, the body for SMS and in-app, JSON for webhooks. */
function messageText(parts: Record<string, unknown>): string {
  for (const name of ['text', 'body', 'title']) {
    const value = parts[name];
    if (typeof value === 'string' && value) return value;
  }
  return parts.json === undefined || parts.json === null ? '' : JSON.stringify(parts.json, null, 2);
}

function errorText(error: unknown): string {
  if (error instanceof ApiError && error.body && typeof error.body === 'object') {
    const body = error.body as Record<string, unknown>;
    if (typeof body.detail === 'string') {
      const issues = Array.isArray(body.issues) ? (body.issues as Array<{ message?: string }>) : [];
      return [body.detail, ...issues.map((i) => i.message ?? '')].filter(Boolean).join('\n');
    }
    return Object.entries(body)
      .map(([field, value]) => `${field}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join('\n');
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends a test profile through the draft or the live version on a simulated clock and shows
 * its path: each step with its reason, the messages as rendered, the attribute changes, and the
 * path drawn on the canvas. Nothing live changes; emails go out only to a typed test address.
 */
export function TestRunPanel({ onClose }: { onClose: () => void }) {
  const { journeyId, canEdit, currentVersion } = useSessionStore(
    useShallow((s) => ({ journeyId: s.journeyId, canEdit: s.canEdit, currentVersion: s.meta.currentVersion })),
  );
  const edges = useGraphStore((s) => s.edges);
  const [form, setForm] = useState<TestRunForm>(emptyForm);
  const [result, setResult] = useState<TestRunResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [current, setCurrent] = useState<number | null>(null);
  const resultRef = useRef<HTMLElement>(null);

  useEffect(() => {
    // A new path: bring it into view below the form.
    if (result) resultRef.current?.scrollIntoView({ block: 'start' });
  }, [result]);

  const update = (changes: Partial<TestRunForm>) => setForm((f) => ({ ...f, ...changes }));
  const updateEvent = (index: number, changes: Partial<EventRow>) =>
    setForm((f) => ({ ...f, events: f.events.map((row, i) => (i === index ? { ...row, ...changes } : row)) }));

  const run = async (horizonDays = form.horizonDays) => {
    if (!journeyId) return;
    setError(null);
    let body: Record<string, unknown>;
    try {
      body = buildRequest({ ...form, horizonDays });
    } catch (problem) {
      setError(errorText(problem));
      return;
    }
    setRunning(true);
    try {
      if (form.version === 'draft' && canEdit) await saveDraft(); // the server runs the stored draft
      const answer = await editorApi().testRun(journeyId, body);
      setResult(answer);
      setCurrent(null);
    } catch (problem) {
      setError(errorText(problem));
    } finally {
      setRunning(false);
    }
  };

  const jump = (days: number) => {
    const horizonDays = form.horizonDays + days;
    update({ horizonDays });
    void run(horizonDays);
  };

  const css = useMemo(() => {
    if (!result) return '';
    const upTo = current === null ? result.steps : result.steps.slice(0, current + 1);
    const nodes = [...new Set(upTo.map((s) => s.node_id))];
    const reached = new Set(nodes);
    const edgeIds = visitedEdgeIds(
      { visited_edges: result.visited_edges.filter((e) => reached.has(e.source) && reached.has(e.target)) },
      edges,
    );
    return highlightCss(nodes, edgeIds, current === null ? null : (result.steps[current]?.node_id ?? null));
  }, [result, current, edges]);

  return (
    <aside className="test-run" aria-label="Test run" data-testid="test-run-panel">
      {css && <style data-testid="test-run-highlight">{css}</style>}
      <div className="test-run__head">
        <h2>Test run</h2>
        <button type="button" className="secondary" onClick={onClose} aria-label="Close the test run">
          ×
        </button>
      </div>
      <p className="muted">
        Simulated time: no waiting, nothing live changes. Messages are rendered, not sent
        {canEdit ? ' (unless you type a test address)' : ''}.
      </p>

      <fieldset className="test-run__section">
        <legend>Journey</legend>
        <label>
          Version{' '}
          <select aria-label="Version to test" value={form.version} onChange={(e) => update({ version: e.target.value as 'draft' | 'live' })}>
            <option value="draft">Draft</option>
            <option value="live" disabled={currentVersion === null}>
              Live{currentVersion ? ` (v${currentVersion})` : ' (not published)'}
            </option>
          </select>
        </label>
        <label>
          Trigger properties (JSON)
          <textarea aria-label="Trigger properties" rows={2} value={form.triggerProperties} onChange={(e) => update({ triggerProperties: e.target.value })} />
        </label>
      </fieldset>

      <fieldset className="test-run__section">
        <legend>Profile</legend>
        <label className="field__check">
          <input type="radio" name="test-run-source" checked={form.source === 'made_up'} onChange={() => update({ source: 'made_up' })} />
          Made up
        </label>
        <label className="field__check">
          <input type="radio" name="test-run-source" checked={form.source === 'existing'} onChange={() => update({ source: 'existing' })} />
          An existing customer (a copy: they are not changed)
        </label>
        {form.source === 'existing' ? (
          <label>
            Customer id
            <input aria-label="Customer id" value={form.customerId} maxLength={255} onChange={(e) => update({ customerId: e.target.value })} />
          </label>
        ) : (
          <>
            <label>
              Profile id
              <input aria-label="Profile id" value={form.externalId} maxLength={255} onChange={(e) => update({ externalId: e.target.value })} />
            </label>
            <label>
              Email
              <input aria-label="Profile email" type="email" value={form.email} maxLength={254} onChange={(e) => update({ email: e.target.value })} />
            </label>
            <label>
              Phone
              <input aria-label="Profile phone" value={form.phone} maxLength={32} onChange={(e) => update({ phone: e.target.value })} />
            </label>
            <label>
              Traits (JSON)
              <textarea aria-label="Traits" rows={3} value={form.traits} onChange={(e) => update({ traits: e.target.value })} />
            </label>
            <div className="test-run__consent">
              {CONSENT_CHANNELS.map((channel) => (
                <label key={channel}>
                  Consent {channel}{' '}
                  <select
                    aria-label={`Consent ${channel}`}
                    value={form.consent[channel] ?? 'not_asked'}
                    onChange={(e) => update({ consent: { ...form.consent, [channel]: e.target.value as ConsentChoice } })}
                  >
                    <option value="subscribed">subscribed</option>
                    <option value="unsubscribed">unsubscribed</option>
                    <option value="not_asked">not asked</option>
                  </select>
                </label>
              ))}
            </div>
          </>
        )}
      </fieldset>

      <fieldset className="test-run__section">
        <legend>Events</legend>
        {form.events.map((row, index) => (
          <div className="test-run__event" key={index} data-testid="test-run-event">
            <input aria-label={`Event ${index + 1} name`} placeholder="Order Completed" value={row.event} maxLength={255} onChange={(e) => updateEvent(index, { event: e.target.value })} />
            <span>after</span>
            <input
              aria-label={`Event ${index + 1} after`}
              type="number"
              min={0}
              value={row.amount}
              onChange={(e) => updateEvent(index, { amount: Number(e.target.value) })}
            />
            <select aria-label={`Event ${index + 1} unit`} value={row.unit} onChange={(e) => updateEvent(index, { unit: e.target.value as TimeUnit })}>
              <option value="minutes">min</option>
              <option value="hours">h</option>
              <option value="days">days</option>
            </select>
            <button
              type="button"
              className="secondary"
              aria-label={`Remove event ${index + 1}`}
              onClick={() => setForm((f) => ({ ...f, events: f.events.filter((_, i) => i !== index) }))}
            >
              ×
            </button>
            <input
              className="test-run__properties"
              aria-label={`Event ${index + 1} properties`}
              placeholder='Properties (JSON), e.g. {"total": 42}'
              value={row.properties}
              onChange={(e) => updateEvent(index, { properties: e.target.value })}
            />
          </div>
        ))}
        <button
          type="button"
          className="secondary"
          disabled={form.events.length >= 50}
          onClick={() => setForm((f) => ({ ...f, events: [...f.events, { event: '', amount: 1, unit: 'hours', properties: '' }] }))}
        >
          Add event
        </button>
      </fieldset>

      <fieldset className="test-run__section">
        <legend>Run</legend>
        <label>
          Simulate{' '}
          <input aria-label="Days to simulate" type="number" min={1} max={365} value={form.horizonDays} onChange={(e) => update({ horizonDays: Number(e.target.value) })} />{' '}
          days
        </label>
        {canEdit && (
          <label>
            Send emails to (optional test address)
            <input aria-label="Test address" type="email" value={form.sendTo} maxLength={254} onChange={(e) => update({ sendTo: e.target.value })} />
          </label>
        )}
        <button type="button" onClick={() => void run()} disabled={running || !journeyId}>
          {running ? 'Running…' : 'Run test'}
        </button>
      </fieldset>

      {error && (
        <p className="test-run__error" role="alert">
          {error}
        </p>
      )}

      {result && (
        <section className="test-run__result" data-testid="test-run-result" ref={resultRef}>
          <p className={`test-run__status test-run__status--${result.status}`} data-testid="test-run-status">
            {STATUS_WORDS[result.status]}
            {result.exit_reason ? `: ${result.exit_reason}` : ''}
            {result.status === 'waiting' && result.waiting_for ? ` (waiting for ${result.waiting_for})` : ''}
          </p>
          {(result.status === 'waiting' || result.status === 'step_limit') && (
            <div className="test-run__jump">
              Jump forward:{' '}
              {JUMPS.map((j) => (
                <button key={j.label} type="button" className="secondary" disabled={running} onClick={() => jump(j.days)}>
                  {j.label}
                </button>
              ))}
            </div>
          )}
          <div className="test-run__stepper">
            <button type="button" className="secondary" disabled={current === 0} onClick={() => setCurrent((c) => (c === null ? 0 : Math.max(0, c - 1)))}>
              ◀ Step
            </button>
            <button
              type="button"
              className="secondary"
              disabled={current !== null && current >= result.steps.length - 1}
              onClick={() => setCurrent((c) => (c === null ? 0 : Math.min(result.steps.length - 1, c + 1)))}
            >
              Step ▶
            </button>
            <button type="button" className="secondary" disabled={current === null} onClick={() => setCurrent(null)}>
              Whole path
            </button>
          </div>
          <ol className="test-run__steps">
            {result.steps.map((step, index) => (
              <li
                key={index}
                className={`test-run__step${current === index ? ' is-current' : ''}`}
                data-testid="test-run-step"
                onClick={() => setCurrent(index)}
              >
                <span className="test-run__time">{formatOffset(step.offset_seconds)}</span>{' '}
                <strong>{step.label || step.node_id}</strong> <span className="test-run__action">{step.action}</span>
                {step.port && <span className="test-run__port"> → {step.port}</span>}
                {step.reason && <div className="test-run__reason">{step.reason}</div>}
                {step.attribute_changes.map((change, i) => (
                  <div key={`c${i}`} className="test-run__change" data-testid="test-run-change">
                    {change.attribute}: {formatValue(change.before)} → {formatValue(change.after)}
                  </div>
                ))}
                {step.messages.map((message, i) => (
                  <div key={`m${i}`} className="test-run__message" data-testid="test-run-message">
                    <div>
                      {message.channel} to {message.to || '(no address)'}:{' '}
                      {message.error ? `cannot render: ${message.error}` : message.would_send ? 'would be sent' : `would be skipped: ${message.skip_reason}`}
                      {message.test_send ? ` · test ${message.test_send}` : ''}
                    </div>
                    {typeof message.parts.subject === 'string' && message.parts.subject && (
                      <div className="test-run__subject">{message.parts.subject}</div>
                    )}
                    <pre className="test-run__body">{messageText(message.parts)}</pre>
                  </div>
                ))}
              </li>
            ))}
          </ol>
          {result.events.length > 0 && (
            <>
              <h3>Events</h3>
              <ul className="test-run__events">
                {result.events.map((event, i) => (
                  <li key={i}>
                    {formatOffset(event.offset_seconds)} {event.name}: {event.effect}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
    </aside>
  );
}
