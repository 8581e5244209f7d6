/** Words for an audience estimate: exact counts in full, estimates rounded and said as such. */

export interface EstimateLike {
  count: number;
  exact: boolean;
}

function compact(count: number): string {
  if (count >= 1_000_000) return `${trim(count / 1_000_000)} M`;
  if (count >= 10_000) return `${trim(count / 1_000)} k`;
  return count.toLocaleString('en-US');
}

function trim(value: number): string {
  return (value >= 100 ? value.toFixed(0) : value.toFixed(1)).replace(/\.0$/, '');
}

export function describeEstimate({ count, exact }: EstimateLike): string {
  const noun = count === 1 ? 'customer matches' : 'customers match';
  if (exact) return `${count.toLocaleString('en-US')} ${noun} now`;
  if (count === 0) return 'almost no customers match now (estimate from a sample)';
  return `about ${compact(count)} ${noun} now (estimate from a sample)`;
}

/** True when the condition has something to count (an empty group is everyone or no one). */
export function isEstimable(condition: unknown): condition is Record<string, unknown> {
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return false;
  return Object.keys(condition).length > 0;
}
