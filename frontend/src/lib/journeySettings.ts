/**
 * Journey-wide settings as journeys/journey_settings.py defines them: goal, exit criteria,
 * re-entry and entry cap. The server is the judge of what is valid; these helpers only give the
 * panel a complete object to edit and tell whether two stored settings mean the same.
 */

export interface PropertyFilter {
  property: string;
  op: string;
  value?: unknown;
}

export interface EventCriterion {
  event: string;
  filters: PropertyFilter[];
}

export interface Goal extends EventCriterion {
  window_days: number | null;
  exit_on_conversion: boolean;
}

export type ReEntryMode = 'never' | 'after_exit' | 'any_time';

export interface JourneySettings {
  goal: Goal | null;
  exit_criteria: EventCriterion[];
  re_entry: { mode: ReEntryMode; min_gap_seconds: number | null };
  entry_cap: number | null;
}

export const RE_ENTRY_LABELS: Record<ReEntryMode, string> = {
  never: 'Never: once per customer',
  after_exit: 'After they left',
  any_time: 'Any time, even while inside',
};

export const newGoal = (): Goal => ({ event: '', filters: [], window_days: 7, exit_on_conversion: false });

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function filtersOf(value: unknown): PropertyFilter[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((f) => {
    const filter: PropertyFilter = { property: typeof f.property === 'string' ? f.property : '', op: typeof f.op === 'string' ? f.op : 'eq' };
    if ('value' in f) filter.value = f.value;
    return filter;
  });
}

function criterionOf(value: Record<string, unknown>): EventCriterion {
  return { event: typeof value.event === 'string' ? value.event : '', filters: filtersOf(value.filters) };
}

const numberOr = <T>(value: unknown, fallback: T): number | T => (typeof value === 'number' ? value : fallback);

/** Stored settings (possibly partial, as older journeys and the API allow) with every default filled. */
export function normalizeSettings(raw: unknown): JourneySettings {
  const settings = isObject(raw) ? raw : {};
  const goal = isObject(settings.goal) ? settings.goal : null;
  const reEntry = isObject(settings.re_entry) ? settings.re_entry : {};
  const mode = reEntry.mode === 'after_exit' || reEntry.mode === 'any_time' ? reEntry.mode : 'never';
  return {
    goal: goal && {
      ...criterionOf(goal),
      window_days: numberOr(goal.window_days, 7),
      exit_on_conversion: goal.exit_on_conversion === true,
    },
    exit_criteria: Array.isArray(settings.exit_criteria) ? settings.exit_criteria.filter(isObject).map(criterionOf) : [],
    re_entry: { mode, min_gap_seconds: numberOr(reEntry.min_gap_seconds, 0) },
    entry_cap: numberOr(settings.entry_cap, null),
  };
}

/** JSON with object keys sorted, so key order never makes two equal settings differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Whether two stored settings mean the same once defaults are filled (the server compares them so at publish). */
export function sameSettings(a: unknown, b: unknown): boolean {
  return canonical(normalizeSettings(a)) === canonical(normalizeSettings(b));
}

/** The server's per-field errors (`{settings: {"goal.window_days": ["..."]}}`) as {path: message}. */
export function settingsErrors(body: unknown): Record<string, string> {
  if (!isObject(body)) return {};
  const errors = body.settings;
  if (Array.isArray(errors)) return { settings: String(errors[0]) };
  if (!isObject(errors)) return typeof body.detail === 'string' ? { settings: body.detail } : {};
  return Object.fromEntries(
    Object.entries(errors).map(([path, messages]) => [path, Array.isArray(messages) ? String(messages[0]) : String(messages)]),
  );
}
