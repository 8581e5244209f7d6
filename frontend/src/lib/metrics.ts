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
  let total = 0;
  for (const [key, value] of Object.entries(sourceCounters)) {
    if (key.startsWith('passed:')) total += value;
  }
  return total > 0 ? percent(passed, total) : null;
}

/** The port an edge leaves from: its handle, or the node's only port when the handle is empty. */
export function edgePort(sourceHandle: string | null | undefined, ports: readonly string[]): string | null {
  if (sourceHandle) return sourceHandle;
  return ports.length === 1 ? (ports[0] ?? null) : null;
}
