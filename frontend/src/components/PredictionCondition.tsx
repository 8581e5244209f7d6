import { useEffect, useState } from 'react';
import { createApiClient, type ApiClient } from '../api/client';
import type { components } from '../api/schema';
import { describeEstimate } from '../lib/estimate';

// A leaf on a predicted score (journeys/conditions, type "prediction"): a threshold on the score
// ("likelihood to order ≥ 0.7") or a top share of the population ("in the top 10 %"), with the
// number of customers it selects right now.
type PredictionSummary = components['schemas']['PredictionSummary'];
type AudienceEstimate = components['schemas']['Estimate'];
type Condition = Record<string, unknown>;

const SCORE_OPERATORS: [string, string][] = [
  ['gte', '≥'],
  ['gt', '>'],
  ['lte', '≤'],
  ['lt', '<'],
];

let client: ApiClient | null = null;
function api(): ApiClient {
  client ??= createApiClient({ baseUrl: '/api/' });
  return client;
}

// Predictions change rarely while a journey is edited: asked once per page.
let listed: Promise<PredictionSummary[]> | null = null;
function predictions(): Promise<PredictionSummary[]> {
  listed ??= api()
    .get<PredictionSummary[]>('predictions/')
    .catch(() => {
      listed = null;
      return [];
    });
  return listed;
}

interface Props {
  value: Condition;
  onChange: (value: Condition) => void;
  disabled?: boolean;
  actions?: React.ReactNode;
}

export function PredictionCondition({ value, onChange, disabled, actions }: Props) {
  const [choices, setChoices] = useState<PredictionSummary[]>([]);
  // The estimate is kept with the condition it counted, so a stale one is never shown.
  const [estimate, setEstimate] = useState<{ key: string; text: string } | null>(null);
  const byTop = value.top_percent !== undefined;

  useEffect(() => {
    let cancelled = false;
    void predictions().then((found) => {
      if (!cancelled) setChoices(found);
    });
    return () => {
      cancelled = true;
    };
  }, []);

  const complete = typeof value.prediction === 'number' && (byTop ? typeof value.top_percent === 'number' : typeof value.value === 'number');
  const key = JSON.stringify(value);
  useEffect(() => {
    if (!complete) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      api()
        .post<AudienceEstimate>('audience-estimate/', { condition: JSON.parse(key) as Condition })
        .then((answer) => {
          if (!cancelled) setEstimate({ key, text: describeEstimate(answer) });
        })
        .catch(() => {
          // An estimate is a convenience; the condition works without it.
        });
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key, complete]);

  const number = (text: string) => (text === '' ? undefined : Number(text));
  const set = (next: Condition) => {
    const clean: Condition = {};
    for (const [k, v] of Object.entries(next)) if (v !== undefined) clean[k] = v;
    onChange(clean);
  };
  const base = { type: 'prediction', prediction: value.prediction };

  return (
    <div className="condition__leaf prediction-condition">
      <span className="condition__tag">Score</span>
      <select
        aria-label="Prediction"
        value={typeof value.prediction === 'number' ? String(value.prediction) : ''}
        disabled={disabled}
        onChange={(e) => set({ ...value, prediction: number(e.target.value) })}
      >
        <option value="">Choose a prediction…</option>
        {choices.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
            {p.trained ? '' : ' (not trained)'}
          </option>
        ))}
      </select>
      <select
        aria-label="Score test"
        value={byTop ? 'top' : 'threshold'}
        disabled={disabled}
        onChange={(e) =>
          set(e.target.value === 'top' ? { ...base, top_percent: 10 } : { ...base, op: 'gte', value: 0.7 })
        }
      >
        <option value="threshold">score is</option>
        <option value="top">in the top</option>
      </select>
      {byTop ? (
        <label>
          <input
            type="number"
            aria-label="Top percent"
            min={0.1}
            max={100}
            step="any"
            value={typeof value.top_percent === 'number' ? String(value.top_percent) : ''}
            disabled={disabled}
            onChange={(e) => set({ ...base, top_percent: number(e.target.value) })}
          />
          %
        </label>
      ) : (
        <>
          <select
            aria-label="Score operator"
            value={typeof value.op === 'string' ? value.op : 'gte'}
            disabled={disabled}
            onChange={(e) => set({ ...value, op: e.target.value })}
          >
            {SCORE_OPERATORS.map(([op, label]) => (
              <option key={op} value={op}>
                {label}
              </option>
            ))}
          </select>
          <input
            type="number"
            aria-label="Score"
            min={0}
            max={1}
            step={0.05}
            value={typeof value.value === 'number' ? String(value.value) : ''}
            disabled={disabled}
            onChange={(e) => set({ ...value, value: number(e.target.value) })}
          />
        </>
      )}
      {complete && estimate?.key === key && (
        <span className="prediction-condition__estimate" role="status">
          {estimate.text}
        </span>
      )}
      {actions}
    </div>
  );
}
