/** Durations are stored in seconds; the inspector shows them in the largest whole unit. */

export const UNITS = [
  { unit: 'days', seconds: 86_400 },
  { unit: 'hours', seconds: 3_600 },
  { unit: 'minutes', seconds: 60 },
  { unit: 'seconds', seconds: 1 },
] as const;

export type DurationUnit = (typeof UNITS)[number]['unit'];

export function splitDuration(seconds: number): { amount: number; unit: DurationUnit } {
  const magnitude = Math.abs(seconds);
  for (const { unit, seconds: size } of UNITS) {
    if (magnitude >= size && magnitude % size === 0) return { amount: seconds / size, unit };
  }
  return { amount: seconds, unit: 'seconds' };
}

export function toSeconds(amount: number, unit: DurationUnit): number {
  const size = UNITS.find((u) => u.unit === unit)?.seconds ?? 1;
  return Math.round(amount * size);
}

/** "3 days", "1 hour", "90 seconds". */
export function describeDuration(seconds: number): string {
  const { amount, unit } = splitDuration(seconds);
  return `${amount} ${Math.abs(amount) === 1 ? unit.slice(0, -1) : unit}`;
}
