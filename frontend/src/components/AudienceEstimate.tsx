import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { editorApi } from '../api/editorApi';
import { describeEstimate, isEstimable } from '../lib/estimate';

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
  // The effect depends on the condition's content, not on its identity (a new object each render).
  const key = isEstimable(condition) ? JSON.stringify(condition) : '';

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

  if (!key) return null;
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
