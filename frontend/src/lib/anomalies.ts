import type { NodeAlert } from '../api/types';

/** Open alerts grouped by the node they concern, newest first within each node. */
export function alertsByNode(alerts: readonly NodeAlert[]): Record<string, NodeAlert[]> {
  const grouped: Record<string, NodeAlert[]> = {};
  for (const alert of alerts) {
    const list: NodeAlert[] = grouped[alert.node_id] ?? [];
    list.push(alert);
    grouped[alert.node_id] = list;
  }
  for (const list of Object.values(grouped)) {
    list.sort((a, b) => b.window_end.localeCompare(a.window_end));
  }
  return grouped;
}

/** The mark's tooltip: what happened to which counter, in words. */
export function describeAlerts(alerts: readonly NodeAlert[]): string {
  return alerts
    .map(
      (alert) =>
        `Unusual ${alert.direction} in ${alert.metric}: ${Math.round(alert.observed)} in an hour, ` +
        `about ${Math.round(alert.expected)} expected`,
    )
    .join('\n');
}
