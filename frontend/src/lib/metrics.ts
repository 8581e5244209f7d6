/** Turning raw node counters into what the canvas shows. */

export type MetricMode = 'counts' | 'percent';

export const NODE_METRICS = ['entered', 'waiting', 'exited', 'converted', 'errored'] as const;
export type NodeMetric = (typeof NODE_METRICS)[number];

export function passedKey(port: string): string {
  return `passed:${port}`;
}

/** A share as a whole percentage ("45%"); "–" when nothing entered, so no division by zero. */
export function percent(part: number, whole: number): string {
  if (whole <= 0) return '–';
  return `${Math.round((part / whole) * 100)}%`;
}

/**
 * Whole percentages of `whole` for several parts, rounded by largest remainder: each part gets
 * its share rounded down, and the points still missing from the rounded total go to the parts
 * with the largest remainders. Shares that together are everyone read 100 % (3 and 5 of 8 give
 * 38 % + 62 %, where rounding each alone gives 38 % + 63 % = 101 %).
 */
export function roundShares(parts: readonly number[], whole: number): number[] {
  if (whole <= 0) return parts.map(() => 0);
  const exact = parts.map((part) => (Math.max(part, 0) / whole) * 100);
  const shares = exact.map(Math.floor);
  const target = Math.round(exact.reduce((sum, value) => sum + value, 0));
  let missing = target - shares.reduce((sum, value) => sum + value, 0);
  const remainder = (index: number) => (exact[index] ?? 0) - (shares[index] ?? 0);
  // Largest remainder first; ties keep the parts' order, so the result is stable.
  const order = parts.map((_, index) => index).sort((a, b) => remainder(b) - remainder(a));
  for (const index of order) {
    if (missing <= 0) break;
    shares[index] = (shares[index] ?? 0) + 1;
    missing -= 1;
  }
  return shares;
}

/**
 * Each port's share of the customers who entered the node, as the ports row reads it in
 * percent mode: rounded together (roundShares) so a split's arms add up to 100 %.
 */
export function portShares(counters: Record<string, number> | undefined, ports: readonly string[]): Record<string, string> {
  const whole = counters?.entered ?? 0;
  const shares = roundShares(
    ports.map((port) => counters?.[passedKey(port)] ?? 0),
    whole,
  );
  return Object.fromEntries(ports.map((port, i) => [port, whole > 0 ? `${shares[i]}%` : '–']));
}

/** How a node metric reads: the count, or its share of the customers who entered the node. */
export function formatMetric(metric: string, counters: Record<string, number> | undefined, mode: MetricMode): string {
  const value = counters?.[metric] ?? 0;
  if (mode === 'counts' || metric === 'entered') return String(value);
  return percent(value, counters?.entered ?? 0);
}

/**
 * An edge's share of traffic: the customers who left `port` of the source node, as a count or
 * as a share of everyone who left the node through any port. Null when nothing passed.
 */
export function edgeTraffic(
  sourceCounters: Record<string, number> | undefined,
  port: string,
  mode: MetricMode,
): string | null {
  if (!sourceCounters) return null;
  const passed = sourceCounters[passedKey(port)] ?? 0;
  if (mode === 'counts') return passed > 0 ? String(passed) : null;
  const keys = Object.keys(sourceCounters).filter((key) => key.startsWith('passed:'));
  const parts = keys.map((key) => sourceCounters[key] ?? 0);
  const total = parts.reduce((sum, value) => sum + value, 0);
  if (total <= 0) return null;
  // Rounded with the node's other ports, so the edges leaving one node add up to 100 %.
  const index = keys.indexOf(passedKey(port));
  return `${index < 0 ? 0 : roundShares(parts, total)[index]}%`;
}

/** The port an edge leaves from: its handle, or the node's only port when the handle is empty. */
export function edgePort(sourceHandle: string | null | undefined, ports: readonly string[]): string | null {
  if (sourceHandle) return sourceHandle;
  return ports.length === 1 ? (ports[0] ?? null) : null;
}
