import type { FieldSpec, NodeKind } from '../api/types';

export interface CategoryGroup {
  category: string;
  kinds: NodeKind[];
}

// The usual reading order of a journey; categories the server adds later follow, by name.
const CATEGORY_ORDER = ['trigger', 'flow', 'action', 'goal', 'end'];

/** The palette: kinds grouped by category, known categories first, kinds by label. */
export function groupByCategory(kinds: readonly NodeKind[]): CategoryGroup[] {
  const groups = new Map<string, NodeKind[]>();
  for (const kind of kinds) {
    const list = groups.get(kind.category);
    if (list) list.push(kind);
    else groups.set(kind.category, [kind]);
  }
  const rank = (category: string) => {
    const index = CATEGORY_ORDER.indexOf(category);
    return index === -1 ? CATEGORY_ORDER.length : index;
  };
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([category, list]) => ({ category, kinds: [...list].sort((a, b) => a.label.localeCompare(b.label)) }));
}

export function isTriggerCategory(kind: NodeKind | undefined): boolean {
  return kind?.category === 'trigger';
}

/**
 * The output ports of a node with this config. Kinds with dynamic ports name them by the
 * `key` of each entry in their `port_field` list (a split's variants, a condition's
 * branches), followed by their `extra_ports`; the others have their fixed `ports`, less
 * those listed in `ports_when` whose boolean field is off (a webhook's `failed` port).
 */
export function portsOf(kind: NodeKind | undefined, config: Record<string, unknown>): string[] {
  if (!kind) return [];
  if (!kind.dynamic_ports || !kind.port_field) {
    const switches = kind.ports_when;
    return kind.ports.filter((port) => {
      const field = switches[port];
      return field === undefined || config[field] === true;
    });
  }
  const entries = config[kind.port_field];
  const keys = Array.isArray(entries)
    ? entries.flatMap((entry: unknown) => {
        if (entry && typeof entry === 'object' && 'key' in entry) {
          const key = (entry).key;
          if (typeof key === 'string' && key !== '') return [key];
        }
        return [];
      })
    : [];
  return [...new Set([...keys, ...kind.extra_ports])];
}

/** A field's starting value in a new node: its default, or an empty value of its type. */
function initialValue(field: FieldSpec): unknown {
  if (field.default !== undefined) return structuredClone(field.default);
  if (!field.required) return undefined;
  switch (field.type) {
    case 'boolean':
      return false;
    case 'choice':
      return field.choices?.[0];
    case 'list':
      return Array.from({ length: field.min_length ?? 0 }, () => initialConfig(field.item ?? []));
    case 'object':
      return initialConfig(field.fields ?? []);
    case 'condition':
      return { all: [] };
    default:
      return undefined;
  }
}

/** The config a node of this kind starts with: every field that has a starting value. */
export function initialConfig(fields: readonly FieldSpec[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const field of fields) {
    const value = initialValue(field);
    if (value !== undefined) config[field.name] = value;
  }
  return config;
}

/**
 * Whether a field applies to the values around it: a field with `when` (say, a wait's
 * `seconds` with `{mode: ["duration"]}`) is shown only while each named sibling holds one of
 * the listed values; a sibling not set yet counts as its default.
 */
export function isShown(field: FieldSpec, siblings: readonly FieldSpec[], values: Record<string, unknown>): boolean {
  if (!field.when) return true;
  return Object.entries(field.when).every(([name, allowed]) => {
    const value = name in values ? values[name] : siblings.find((f) => f.name === name)?.default;
    return allowed.includes(value);
  });
}

/** A copy of `values` with one field set; `undefined` removes the key, as the server expects it absent. */
export function withField(values: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> {
  const next = { ...values };
  if (value === undefined) delete next[name];
  else next[name] = value;
  return next;
}

/**
 * One item of a list field, for its "Add …" button: "Branches" → "branch", "Properties" →
 * "property", "Variants" → "variant" (dropping a bare trailing "s" made "Add branche").
 */
export function singularLabel(label: string): string {
  const word = label.toLowerCase();
  if (/ies$/.test(word)) return word.replace(/ies$/, 'y');
  if (/(ch|sh|ss|x|z)es$/.test(word)) return word.replace(/es$/, '');
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}

/**
 * A duration field's label beside its unit select: the catalog names the stored unit
 * ("Timeout seconds"), which contradicts a select showing "minutes"; the unit goes.
 */
export function durationLabel(label: string): string {
  const bare = label.replace(/\s*\(?\bseconds?\)?\s*$/i, '').trim();
  return bare === '' ? 'Duration' : bare;
}

/**
 * A card's tooltip, "kind: title", without the kind said twice: a server title that starts with
 * its own channel or kind word ("SMS: Your basket…" on a Send SMS step, "Exit: done" on an Exit)
 * loses that prefix, so the tooltip reads "Send SMS: Your basket…" not "Send SMS: SMS: Your…".
 */
export function nodeTooltip(kindLabel: string, title: string): string {
  const prefix = /^([^:]{1,40}):\s+/.exec(title);
  const words = new Set(kindLabel.toLowerCase().split(/[^a-z0-9-]+/).filter(Boolean));
  const own = prefix?.[1] && prefix[1].toLowerCase().split(/\s+/).every((word) => words.has(word));
  return `${kindLabel}: ${own && prefix ? title.slice(prefix[0].length) : title}`;
}
