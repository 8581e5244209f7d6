import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from './client';
import { createEditorApi, optional } from './editorApi';
import { ApiError } from './client';
import { metricsSocketUrl } from '../hooks/useMetricsSocket';

function api(status: number, body: unknown) {
  const fetchMock = vi.fn<typeof fetch>().mockResolvedValue(
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }),
  );
  return { fetchMock, api: createEditorApi(createApiClient({ baseUrl: '/api/', fetch: fetchMock, readCookies: () => '' })) };
}

describe('optional endpoints', () => {
  it('answers null when the server has no such endpoint, so pickers fall back to plain inputs', async () => {
    expect(await api(404, { detail: 'Not found.' }).api.eventNames('Ord')).toBeNull();
  });

  it('passes the answer through, with the prefix encoded', async () => {
    const { api: client, fetchMock } = api(200, { results: ['Order Completed'] });
    expect(await client.eventNames('Order & more')).toEqual({ results: ['Order Completed'] });
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/api/event-names/?q=Order%20%26%20more');
  });

  it('still reports other failures', async () => {
    await expect(optional(Promise.reject(new ApiError(500, null, 'boom')))).rejects.toThrow('boom');
  });
});

describe('editor calls', () => {
  it('asks for the customers active at a node, paged', async () => {
    const { api: client, fetchMock } = api(200, { count: 0, next: null, previous: null, results: [] });
    await client.enrollments('7', 'wait day', 20, 20);
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/api/journeys/7/enrollments/?node=wait%20day&status=active&limit=20&offset=20');
  });
});

describe('metricsSocketUrl', () => {
  it('follows the page scheme and host', () => {
    expect(metricsSocketUrl('12', { protocol: 'https:', host: 'cjo.example:8443' })).toBe(
      'wss://cjo.example:8443/ws/journeys/12/metrics/',
    );
    expect(metricsSocketUrl('3', { protocol: 'http:', host: '127.0.0.1:8000' })).toBe('ws://127.0.0.1:8000/ws/journeys/3/metrics/');
  });
});
