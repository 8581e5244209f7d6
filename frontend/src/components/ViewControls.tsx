import { Panel } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { useSessionStore, type MetricRange } from '../store/sessionStore';

// "Live counts", not "Live": on a draft a bare "Live" read as the journey's status.
const CONNECTION_LABELS = {
  connecting: 'Connecting…',
  online: 'Live counts',
  offline: 'Offline, reconnecting…',
  refused: 'No live counts',
};

/**
 * How the live counts are shown (counts or shares, over which time) and whether they are live.
 * They change the canvas, not the journey, so they sit on the canvas, top right, in the column that
 * every fit leaves to the minimap; that keeps the journey's own toolbar to one row.
 */
export function ViewControls() {
  const s = useSessionStore(
    useShallow((state) => ({ metricMode: state.metricMode, range: state.range, connection: state.connection })),
  );
  const session = useSessionStore.getState;
  return (
    <Panel position="top-right" className="view-controls">
      <select aria-label="Show" value={s.metricMode} onChange={(e) => session().setMetricMode(e.target.value as 'counts' | 'percent')}>
        <option value="counts">Counts</option>
        <option value="percent">Percentages</option>
      </select>
      <select aria-label="Time range" value={s.range} onChange={(e) => session().setRange(e.target.value as MetricRange)}>
        <option value="all">All time</option>
        <option value="24h">Last 24 hours</option>
        <option value="1h">Last hour</option>
      </select>
      <span className={`connection connection--${s.connection}`} data-testid="connection">
        {CONNECTION_LABELS[s.connection]}
      </span>
    </Panel>
  );
}
