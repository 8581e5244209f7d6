import { useEffect } from 'react';
import { create } from 'zustand';
import { editorApi } from '../api/editorApi';
import type { NodeAlert } from '../api/types';
import { alertsByNode, describeAlerts } from '../lib/anomalies';
import { useSessionStore } from '../store/sessionStore';

// Alerts change at most hourly (the monitoring job's pace); a few minutes' lag costs nothing.
const REFRESH_MS = 5 * 60 * 1000;
const NONE: NodeAlert[] = [];

interface AnomalyState {
  journeyId: string | null;
  byNode: Record<string, NodeAlert[]>;
  load: (journeyId: string) => void;
}

let timer: ReturnType<typeof setInterval> | null = null;

/** One fetch per journey for all its nodes (every mark asks; only the first call loads). */
const useAnomalyStore = create<AnomalyState>((set, get) => ({
  journeyId: null,
  byNode: {},
  load: (journeyId) => {
    if (get().journeyId === journeyId) return;
    set({ journeyId, byNode: {} });
    const fetchAlerts = () => {
      // Started inside a promise so that any failure, even building the request, lands in catch.
      Promise.resolve()
        .then(() => editorApi().journeyAlerts(journeyId))
        .then((alerts) => {
          if (get().journeyId === journeyId) set({ byNode: alertsByNode(alerts ?? []) });
        })
        .catch(() => {
          // A mark is a hint: without the endpoint (or the network) the canvas works as before.
        });
    };
    fetchAlerts();
    if (timer) clearInterval(timer);
    timer = setInterval(fetchAlerts, REFRESH_MS);
  },
}));

/** A warning mark on a node with open anomaly alerts, linking to the first alert's page. */
export function AnomalyMark({ nodeId }: { nodeId: string }) {
  const journeyId = useSessionStore((s) => s.journeyId);
  const load = useAnomalyStore((s) => s.load);
  const alerts = useAnomalyStore((s) => s.byNode[nodeId] ?? NONE);
  useEffect(() => {
    if (journeyId) load(journeyId);
  }, [journeyId, load]);
  const first = alerts[0];
  if (!first) return null;
  return (
    <a
      className="anomaly-mark nodrag"
      href={`/monitoring/${first.id}/`}
      title={describeAlerts(alerts)}
      data-testid="anomaly-mark"
      aria-label={`${alerts.length} unusual ${alerts.length === 1 ? 'change' : 'changes'} on this node`}
    >
      ⚠ {alerts.length}
    </a>
  );
}
