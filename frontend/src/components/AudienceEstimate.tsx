import './condition.css';
import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { editorApi } from '../api/editorApi';
import { conditionStatus, describeEstimate } from '../lib/estimate';

/** Wait this long after the last edit before asking: every keystroke would be a count. */
export const ESTIMATE_DEBOUNCE_MS = 600;

/** An answer, with the condition it answers, so a stale one is never shown for a newer condition. */
interface Answer {
  key: string;
  text: string;
  failed: boolean;
}

function problem(error: unknown): string {
  if (error instanceof ApiError && error.status === 400) return 'Finish the condition to see how many match.';
  if (error instanceof ApiError && error.status === 503) return 'Too slow to estimate now; narrow the condition.';
  return 'Could not estimate the audience.';
}

/** How many customers match `condition` now, asked a moment after the marketer stops editing. */
export function AudienceEstimate({ condition }: { condition: unknown }) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const status = conditionStatus(condition);
  // The effect depends on the condition's content, not on its identity (a new object each render).
  // Only a complete condition is sent: a half-made one (a prediction not chosen yet) is a 400 and a
  // console error, and an empty one would leave "Counting customers…" up with nothing to count.
  const key = status === 'complete' ? JSON.stringify(condition) : '';

  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    const timer = window.setTimeout(() => {
      editorApi()
        .audienceEstimate(JSON.parse(key) as Record<string, unknown>)
        .then((estimate) => !cancelled && setAnswer({ key, text: describeEstimate(estimate), failed: false }))
        .catch((error: unknown) => !cancelled && setAnswer({ key, text: problem(error), failed: true }));
    }, ESTIMATE_DEBOUNCE_MS);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [key]);

  if (!key) {
    return (
      <p className="audience-estimate audience-estimate--hint" data-testid="audience-estimate">
        {status === 'empty' ? 'Add a condition to see how many match.' : 'Finish the condition to see how many match.'}
      </p>
    );
  }
  const current = answer?.key === key ? answer : null;
  return (
    <p
      className={`audience-estimate${current?.failed ? ' audience-estimate--error' : ''}`}
      role="status"
      aria-live="polite"
      data-testid="audience-estimate"
    >
      {current ? current.text : 'Counting customers…'}
    </p>
  );
}
