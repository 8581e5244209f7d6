/**
 * The single fetch wrapper used to talk to the Django API.
 *
 * - request and response bodies are JSON;
 * - the session cookie is sent (`credentials: 'same-origin'`);
 * - unsafe methods carry Django's CSRF token, read from the `csrftoken` cookie;
 * - any non-2xx answer is thrown as an `ApiError` with the status and the
 *   parsed body, so callers can show DRF validation errors field by field.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/** What to tell the user about a failed call: DRF's `detail`, else the first field's first error. */
export function userMessage(error: unknown): string {
  if (error instanceof ApiError && error.body && typeof error.body === 'object') {
    const body = error.body as Record<string, unknown>;
    if (typeof body.detail === 'string') return body.detail;
    const first = Object.entries(body)[0];
    if (first) return `${first[0]}: ${Array.isArray(first[1]) ? String(first[1][0]) : JSON.stringify(first[1])}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: HttpMethod;
  /** Serialized with JSON.stringify; omit for requests without a body. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiClient {
  request<T>(path: string, options?: RequestOptions): Promise<T>;
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

export interface ApiClientOptions {
  /** Prefix for every path, e.g. `/api/`. */
  baseUrl: string;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Injected in tests; defaults to `document.cookie`. */
  readCookies?: () => string;
}

const SAFE_METHODS = new Set<HttpMethod>(['GET', 'HEAD', 'OPTIONS']);

export function readCookie(name: string, cookies: string): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return null;
}

export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

async function parseBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  const contentType = response.headers.get('Content-Type') ?? '';
  if (contentType.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function errorMessage(method: string, url: string, status: number, body: unknown): string {
  const base = `${method} ${url} failed with status ${status}`;
  if (body !== null && typeof body === 'object' && 'detail' in body) {
    const { detail } = body;
    if (typeof detail === 'string') return `${base}: ${detail}`;
  }
  return base;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const readCookies = options.readCookies ?? (() => document.cookie);

  async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const method = opts.method ?? 'GET';
    const url = joinUrl(options.baseUrl, path);
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };

    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    if (!SAFE_METHODS.has(method)) {
      const token = readCookie('csrftoken', readCookies());
      if (token) headers['X-CSRFToken'] = token;
    }

    const response = await doFetch(url, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
    const parsed = await parseBody(response);
    if (!response.ok) {
      throw new ApiError(response.status, parsed, errorMessage(method, url, response.status, parsed));
    }
    return parsed as T;
  }

  return {
    request,
    get: (path, signal) => request(path, { method: 'GET', signal }),
    post: (path, body) => request(path, { method: 'POST', body }),
    put: (path, body) => request(path, { method: 'PUT', body }),
    patch: (path, body) => request(path, { method: 'PATCH', body }),
    delete: (path) => request(path, { method: 'DELETE' }),
  };
}
