/**
 * A small WebSocket wrapper that keeps a connection alive.
 *
 * When the connection drops (or cannot be made) it tries again after a delay
 * that doubles on every failed attempt and is capped at `maxDelayMs`. A
 * successful open resets the delay. `onStatus` is called whenever the
 * connection goes from offline to online or back; the starting state is
 * offline and is not reported.
 */

export type ConnectionStatus = 'online' | 'offline';

/** The part of the browser WebSocket this module relies on. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface SocketOptions {
  url: string;
  onMessage?: (data: unknown) => void;
  onStatus?: (status: ConnectionStatus) => void;
  /** Delay before the first retry. Default 500 ms. */
  initialDelayMs?: number;
  /** Upper bound for the delay between retries. Default 10 s. */
  maxDelayMs?: number;
  /** Randomly shortens each delay by up to this fraction (0..1). Default 0.2. */
  jitter?: number;
  /** Source of randomness for the jitter; injected in tests. */
  random?: () => number;
  /**
   * Close codes after which trying again is pointless (the server refused: not logged in, no
   * access, no such journey). The socket then stops for good and `onRefused` is called.
   */
  stopOnCodes?: readonly number[];
  onRefused?: (code: number) => void;
  /** Creates the underlying socket; injected in tests. */
  createSocket?: (url: string) => WebSocketLike;
}

export interface ReconnectingSocket {
  readonly status: ConnectionStatus;
  /** Sends a JSON message; returns false if the socket is not open right now. */
  send(message: unknown): boolean;
  /** Closes the socket for good: no more reconnects or callbacks. */
  close(): void;
}

const OPEN = 1;

/** Delay before retry number `attempt` (0-based), without jitter. */
export function backoffDelay(attempt: number, initialDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
}

function parseMessage(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

export function connectSocket(options: SocketOptions): ReconnectingSocket {
  const initialDelayMs = options.initialDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const jitter = Math.min(Math.max(options.jitter ?? 0.2, 0), 1);
  const random = options.random ?? Math.random;
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));

  let socket: WebSocketLike | null = null;
  let status: ConnectionStatus = 'offline';
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  function setStatus(next: ConnectionStatus) {
    if (next === status) return;
    status = next;
    options.onStatus?.(next);
  }

  function scheduleRetry() {
    if (stopped || retryTimer !== null) return;
    const delay = backoffDelay(attempt, initialDelayMs, maxDelayMs) * (1 - jitter * random());
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      open();
    }, delay);
  }

  function open() {
    if (stopped) return;
    let ws: WebSocketLike;
    try {
      ws = createSocket(options.url);
    } catch {
      setStatus('offline');
      scheduleRetry();
      return;
    }
    socket = ws;
    // Events from a socket that has since been replaced are ignored.
    ws.onopen = () => {
      if (ws !== socket) return;
      attempt = 0;
      setStatus('online');
    };
    ws.onmessage = (event) => {
      if (ws !== socket) return;
      options.onMessage?.(parseMessage(event.data));
    };
    ws.onerror = () => {
      // A close event always follows an error; reconnecting happens there.
    };
    ws.onclose = (event) => {
      if (ws !== socket) return;
      socket = null;
      setStatus('offline');
      if (options.stopOnCodes?.includes(event.code)) {
        stopped = true;
        options.onRefused?.(event.code);
        return;
      }
      scheduleRetry();
    };
  }

  open();

  return {
    get status() {
      return status;
    },
    send(message) {
      if (!socket || socket.readyState !== OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    close() {
      stopped = true;
      if (retryTimer !== null) {
        clearTimeout(retryTimer);
        retryTimer = null;
      }
      const ws = socket;
      socket = null;
      ws?.close(1000, 'client closed');
      status = 'offline';
    },
  };
}
