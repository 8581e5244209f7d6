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

export type ConditionStatus = 'empty' | 'incomplete' | 'complete';

const present = (value: unknown) => typeof value === 'string' && value.trim() !== '';
const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

/** Whether one leaf has what the server needs to count it (journeys/conditions/schema.py). */
function leafComplete(leaf: Record<string, unknown>): boolean {
  switch (leaf.type) {
    case 'attribute':
      return present(leaf.attribute) && (leaf.op === 'exists' || leaf.op === 'not_exists' || (leaf.value !== undefined && leaf.value !== null));
    case 'event':
      return present(leaf.event);
    case 'consent':
      return present(leaf.channel);
    case 'prediction':
      return isNumber(leaf.prediction) && (leaf.top_percent !== undefined ? isNumber(leaf.top_percent) : isNumber(leaf.value));
    default:
      return true; // a leaf this editor does not know: the server judges it
  }
}

/**
 * Whether a condition can be counted yet: "empty" with no leaf at all (a new condition is an empty
 * group), "incomplete" while a leaf lacks a required value (a prediction not chosen yet) or a group
 * is empty. Only a complete one is sent: the server refuses the others with a 400.
 */
export function conditionStatus(condition: unknown): ConditionStatus {
  let leaves = 0;
  let incomplete = false;
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) {
      incomplete = true;
      return;
    }
    const value = node as Record<string, unknown>;
    if ('not' in value) return visit(value.not);
    if ('all' in value || 'any' in value) {
      const children = value.all ?? value.any;
      if (!Array.isArray(children) || children.length === 0) incomplete = true;
      else children.forEach(visit);
      return;
    }
    if (!('type' in value)) {
      incomplete = true;
      return;
    }
    leaves += 1;
    if (!leafComplete(value)) incomplete = true;
  };
  visit(condition);
  if (leaves === 0) return 'empty';
  return incomplete ? 'incomplete' : 'complete';
}
