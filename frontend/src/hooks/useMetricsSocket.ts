import { useEffect, useRef } from 'react';
import { connectSocket, type ReconnectingSocket } from '../api/socket';
import type { MetricsMessage } from '../api/types';
import { useSessionStore } from '../store/sessionStore';

// Close codes of canvas/consumers.py after which retrying cannot help.
const REFUSED = [4401, 4403, 4404];

export function metricsSocketUrl(journeyId: string, location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/journeys/${encodeURIComponent(journeyId)}/metrics/`;
}

/** Keeps the session's counters live from the journey's metrics socket, in the chosen range. */
export function useMetricsSocket(journeyId: string | null) {
  const range = useSessionStore((s) => s.range);
  const current = useRef<ReconnectingSocket | null>(null);

  useEffect(() => {
    if (!journeyId) return;
    const store = useSessionStore.getState;
    const socket: ReconnectingSocket = connectSocket({
      url: metricsSocketUrl(journeyId, window.location),
      onMessage: (message) => {
        // Read defensively all the same: a socket message is not checked against its type.
        const m = message as Partial<MetricsMessage>;
        if (m.type === 'snapshot' && m.nodes) store().setCounters(m.nodes);
      },
      onStatus: (status) => {
        store().setConnection(status);
        // A new connection starts at "all"; ask again for the range on screen.
        if (status === 'online' && store().range !== 'all') socket.send({ range: store().range });
      },
      stopOnCodes: REFUSED,
      onRefused: () => store().setConnection('refused'),
    });
    current.current = socket;
    return () => {
      current.current = null;
      socket.close();
    };
  }, [journeyId]);

  useEffect(() => {
    current.current?.send({ range });
  }, [journeyId, range]);
}
