import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, connectSocket, type ConnectionStatus, type WebSocketLike } from './socket';

/** A socket the test drives by hand: it opens, fails and talks only when told to. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  sent: string[] = [];
  closedByClient = false;

  constructor(readonly url: string) {}

  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closedByClient = true;
    this.readyState = 3;
  }

  serverOpen() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  serverDrop() {
    this.readyState = 3;
    this.onerror?.(new Event('error'));
    this.onclose?.(new CloseEvent('close', { code: 1006 }));
  }
  serverRefuse(code: number) {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
  serverSend(data: string) {
    this.onmessage?.(new MessageEvent('message', { data }));
  }
}

let sockets: FakeSocket[];
let statuses: ConnectionStatus[];

function connect(extra: Partial<Parameters<typeof connectSocket>[0]> = {}) {
  return connectSocket({
    url: 'ws://test/journeys/1/',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    onStatus: (s) => statuses.push(s),
    initialDelayMs: 500,
    maxDelayMs: 10_000,
    jitter: 0,
    ...extra,
  });
}

function latest(): FakeSocket {
  const s = sockets.at(-1);
  if (!s) throw new Error('no socket was created');
  return s;
}

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  statuses = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it('doubles and is capped', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(n, 500, 10_000))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });
});

describe('connectSocket', () => {
  it('connects at once and reports online/offline transitions', () => {
    const conn = connect();
    expect(sockets).toHaveLength(1);
    expect(latest().url).toBe('ws://test/journeys/1/');
    expect(conn.status).toBe('offline');

    latest().serverOpen();
    expect(conn.status).toBe('online');
    latest().serverDrop();
    expect(conn.status).toBe('offline');
    expect(statuses).toEqual(['online', 'offline']);
  });

  it('retries with exponential backoff capped at maxDelayMs', () => {
    connect();
    const expected = [500, 1000, 2000, 4000, 8000, 10_000, 10_000];
    for (const delay of expected) {
      const before = sockets.length;
      latest().serverDrop();
      vi.advanceTimersByTime(delay - 1);
      expect(sockets).toHaveLength(before);
      vi.advanceTimersByTime(1);
      expect(sockets).toHaveLength(before + 1);
    }
    // Never online, so offline is never reported as a change.
    expect(statuses).toEqual([]);
  });

  it('resets the backoff after a successful open', () => {
    connect();
    latest().serverDrop();
    vi.advanceTimersByTime(500);
    latest().serverDrop();
    vi.advanceTimersByTime(1000);
    latest().serverOpen();
    latest().serverDrop();

    const before = sockets.length;
    vi.advanceTimersByTime(499);
    expect(sockets).toHaveLength(before);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(before + 1);
    expect(statuses).toEqual(['online', 'offline']);
  });

  it('applies jitter by shortening the delay', () => {
    connect({ jitter: 0.5, random: () => 1 });
    latest().serverDrop();
    vi.advanceTimersByTime(249);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
  });

  it('retries when the socket cannot even be created', () => {
    let calls = 0;
    const conn = connectSocket({
      url: 'ws://test/',
      jitter: 0,
      createSocket: (url) => {
        calls += 1;
        if (calls < 3) throw new Error('boom');
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
    });
    expect(calls).toBe(1);
    vi.advanceTimersByTime(500);
    expect(calls).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(calls).toBe(3);
    latest().serverOpen();
    expect(conn.status).toBe('online');
  });

  it('sends JSON only while open and parses incoming JSON', () => {
    const messages: unknown[] = [];
    const conn = connect({ onMessage: (m) => messages.push(m) });

    expect(conn.send({ type: 'ping' })).toBe(false);
    latest().serverOpen();
    expect(conn.send({ type: 'ping' })).toBe(true);
    expect(latest().sent).toEqual(['{"type":"ping"}']);

    latest().serverSend('{"type":"node_moved","id":"n1"}');
    latest().serverSend('not json');
    expect(messages).toEqual([{ type: 'node_moved', id: 'n1' }, 'not json']);
  });

  it('close() stops reconnecting and silences callbacks', () => {
    const conn = connect();
    latest().serverOpen();
    const first = latest();

    conn.close();
    expect(first.closedByClient).toBe(true);
    expect(conn.status).toBe('offline');

    first.serverDrop();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(statuses).toEqual(['online']);
    expect(conn.send('x')).toBe(false);
  });

  it('close() cancels a pending retry', () => {
    const conn = connect();
    latest().serverDrop();
    conn.close();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('stops for good on a refusal code and says which', () => {
    const refused: number[] = [];
    connect({ stopOnCodes: [4401, 4403], onRefused: (code) => refused.push(code) });
    latest().serverOpen();

    latest().serverRefuse(4403);
    vi.advanceTimersByTime(60_000);

    expect(sockets).toHaveLength(1);
    expect(refused).toEqual([4403]);
    expect(statuses).toEqual(['online', 'offline']);
  });

  it('keeps retrying after other close codes', () => {
    connect({ stopOnCodes: [4401] });
    latest().serverRefuse(1011);
    vi.advanceTimersByTime(500);
    expect(sockets).toHaveLength(2);
  });
});
