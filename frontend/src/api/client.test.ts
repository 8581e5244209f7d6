import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient, joinUrl, readCookie } from './client';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function setup(response: Response, cookies = 'sessionid=abc; csrftoken=tok%2B123; theme=dark') {
  const fetchMock = vi.fn<typeof fetch>().mockResolvedValue(response);
  const client = createApiClient({ baseUrl: '/api/', fetch: fetchMock, readCookies: () => cookies });
  const call = (): [string, RequestInit] => {
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    if (typeof url !== 'string') throw new Error('fetch was not called with a string URL');
    return [url, init ?? {}];
  };
  return { client, fetchMock, call };
}

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('csrftoken', 'a=1; csrftoken=x%20y; b=2')).toBe('x y');
    expect(readCookie('csrftoken', 'xcsrftoken=nope')).toBeNull();
    expect(readCookie('csrftoken', '')).toBeNull();
  });
});

describe('joinUrl', () => {
  it('joins with exactly one slash', () => {
    expect(joinUrl('/api/', '/journeys/')).toBe('/api/journeys/');
    expect(joinUrl('/api', 'journeys/1/')).toBe('/api/journeys/1/');
    expect(joinUrl('/api/', 'https://example.test/x')).toBe('https://example.test/x');
  });
});

describe('createApiClient', () => {
  it('sends the CSRF token, JSON body and same-origin credentials on unsafe methods', async () => {
    const { client, call } = setup(jsonResponse(201, { id: 7 }));

    const result = await client.post<{ id: number }>('journeys/', { name: 'Welcome' });

    expect(result).toEqual({ id: 7 });
    const [url, init] = call();
    expect(url).toBe('/api/journeys/');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('{"name":"Welcome"}');
    const headers = init.headers as Record<string, string>;
    expect(headers['X-CSRFToken']).toBe('tok+123');
    expect(headers['Content-Type']).toBe('application/json');
    expect(headers.Accept).toBe('application/json');
  });

  it.each(['PUT', 'PATCH', 'DELETE'] as const)('sends the CSRF token on %s', async (method) => {
    const { client, call } = setup(new Response(null, { status: 204 }));
    await client.request('journeys/1/', { method });
    const headers = call()[1].headers as Record<string, string>;
    expect(headers['X-CSRFToken']).toBe('tok+123');
  });

  it('does not send the CSRF token or a body on GET', async () => {
    const { client, call } = setup(jsonResponse(200, [1, 2]));

    expect(await client.get('journeys/')).toEqual([1, 2]);
    const [, init] = call();
    expect(init.method).toBe('GET');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBeUndefined();
    const headers = init.headers as Record<string, string>;
    expect(headers['X-CSRFToken']).toBeUndefined();
    expect(headers['Content-Type']).toBeUndefined();
  });

  it('omits the header when there is no csrftoken cookie', async () => {
    const { client, call } = setup(jsonResponse(200, {}), 'sessionid=abc');
    await client.post('journeys/', {});
    const headers = call()[1].headers as Record<string, string>;
    expect('X-CSRFToken' in headers).toBe(false);
  });

  it('returns null for an empty 204 answer', async () => {
    const { client } = setup(new Response(null, { status: 204 }));
    expect(await client.delete('journeys/1/')).toBeNull();
  });

  it('throws ApiError with status and parsed body on non-2xx', async () => {
    const body = { name: ['This field is required.'] };
    const { client } = setup(jsonResponse(400, body));

    const error = await client.post('journeys/', {}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.body).toEqual(body);
    expect(apiError.message).toContain('POST /api/journeys/ failed with status 400');
  });

  it('puts DRF detail into the message and keeps non-JSON bodies as text', async () => {
    const forbidden = setup(jsonResponse(403, { detail: 'CSRF Failed' }));
    await expect(forbidden.client.post('x/')).rejects.toThrow(/403: CSRF Failed/);

    const crash = setup(new Response('<h1>Server Error</h1>', { status: 500, headers: { 'Content-Type': 'text/html' } }));
    await expect(crash.client.get('x/')).rejects.toMatchObject({
      name: 'ApiError',
      status: 500,
      body: '<h1>Server Error</h1>',
    });
  });

  it('uses document.cookie by default', async () => {
    document.cookie = 'csrftoken=from-document';
    const fetchMock = vi.fn<typeof fetch>().mockResolvedValue(jsonResponse(200, {}));
    await createApiClient({ baseUrl: '/api/', fetch: fetchMock }).patch('journeys/1/', { a: 1 });
    const headers = fetchMock.mock.calls[0]?.[1]?.headers as Record<string, string>;
    expect(headers['X-CSRFToken']).toBe('from-document');
  });
});
