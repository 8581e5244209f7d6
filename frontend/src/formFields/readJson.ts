/**
 * A hidden form field's JSON as the widget drawn in its place starts from: `empty` for empty text,
 * the parsed value when `accepts` it, or `undefined` when the text is not such a value (posted
 * back with its error: the field is then left as typed, for the person to fix).
 */
export function readJson<T>(text: string, empty: T, accepts: (value: unknown) => value is T): T | undefined {
  if (text.trim() === '') return empty;
  try {
    const value: unknown = JSON.parse(text);
    return accepts(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON object (not null, not a list). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
