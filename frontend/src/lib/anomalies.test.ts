import { describe, expect, it } from 'vitest';
import type { NodeAlert } from '../api/types';
import { alertsByNode, describeAlerts } from './anomalies';

function alert(id: number, nodeId: string, windowEnd: string, fields: Partial<NodeAlert> = {}): NodeAlert {
  return {
    id,
    node_id: nodeId,
    metric: 'entered',
    direction: 'silence',
    state: 'open',
    window_start: windowEnd,
    window_end: windowEnd,
    observed: 0,
    expected: 40.4,
    ...fields,
  };
}

describe('anomaly marks', () => {
  it('groups alerts by node with the newest first', () => {
    const grouped = alertsByNode([
      alert(1, 'a', '2026-12-01T10:00:00Z'),
      alert(2, 'b', '2026-12-01T11:00:00Z'),
      alert(3, 'a', '2026-12-01T12:00:00Z'),
    ]);
    expect(grouped.a?.map((x) => x.id)).toEqual([3, 1]);
    expect(grouped.b?.map((x) => x.id)).toEqual([2]);
    expect(grouped.c).toBeUndefined();
  });

  it('describes each alert in words', () => {
    expect(describeAlerts([alert(1, 'a', '2026-12-01T10:00:00Z', { metric: 'errored', direction: 'increase', observed: 31 })])).toBe(
      'Unusual increase in errored: 31 in an hour, about 40 expected',
    );
  });
});
