/**
 * Message outcomes: what became of the messages a send node queued, from the node's live
 * counters (`delivery:*`, written by the engine, the delivery worker and provider callbacks;
 * see docs/live-metrics.md).
 */

export interface Outcome {
  key: string;
  label: string;
  title: string;
  value: number;
}

const PREFIX = 'delivery:';

/** The main row, always shown (a zero is news too: nothing was sent). */
export const OUTCOME_STEPS: readonly (readonly [string, string, string])[] = [
  ['queued', 'Queued', 'Messages this node queued for sending'],
  ['sent', 'Sent', 'Handed to the provider'],
  ['delivered', 'Delivered', 'The provider reported delivery'],
  ['opened', 'Opened', 'Opened at least once'],
  ['clicked', 'Clicked', 'A link was clicked at least once'],
  ['failed', 'Failed', 'Could not be sent, or the provider reported a failure'],
];

/** Why messages were not sent; only the reasons that happened are shown. */
export const SKIP_REASONS: Readonly<Record<string, string>> = {
  no_consent: 'no consent',
  no_address: 'no address',
  unsubscribed: 'unsubscribed',
  capped: 'frequency cap',
};

/** Why messages waited before going out (counted once per message and reason). */
export const HOLD_REASONS: Readonly<Record<string, string>> = {
  quiet_hours: 'quiet hours',
  frequency_cap: 'frequency cap',
  rate_limit: 'rate limit',
};

function value(counters: Record<string, number> | undefined, key: string): number {
  return counters?.[PREFIX + key] ?? 0;
}

export function outcomeSteps(counters: Record<string, number> | undefined): Outcome[] {
  return OUTCOME_STEPS.map(([key, label, title]) => ({ key, label, title, value: value(counters, key) }));
}

function reasons(
  counters: Record<string, number> | undefined,
  prefix: string,
  labels: Readonly<Record<string, string>>,
): Outcome[] {
  const found: Outcome[] = [];
  for (const [name, count] of Object.entries(counters ?? {})) {
    if (!name.startsWith(PREFIX + prefix) || count <= 0) continue;
    const reason = name.slice(PREFIX.length + prefix.length);
    // A reason this build does not know yet still shows, under its own name.
    const label = labels[reason] ?? reason.replace(/_/g, ' ');
    found.push({ key: reason, label, title: label, value: count });
  }
  return found.sort((a, b) => b.value - a.value || a.key.localeCompare(b.key));
}

/** Skips by reason, largest first. */
export function skipReasons(counters: Record<string, number> | undefined): Outcome[] {
  return reasons(counters, 'skipped:', SKIP_REASONS);
}

/** Holds by reason, largest first. */
export function holdReasons(counters: Record<string, number> | undefined): Outcome[] {
  return reasons(counters, 'held:', HOLD_REASONS);
}

export function skippedTotal(counters: Record<string, number> | undefined): number {
  return value(counters, 'skipped');
}
