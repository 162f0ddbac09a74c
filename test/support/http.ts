import { contractOf } from './contract.js';
import { ADMIN } from './system.js';

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, for malformed bodies. */
  rawBody?: string | Uint8Array;
  /** The Content-Type of a body; `null` sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
}

/**
 * A small HTTP client for the API under test; every call is a real request, and every answer is
 * checked against the OpenAPI document the API serves: an answer the document does not describe
 * fails the test that got it.
 */
export class Api {
  /**
   * `contractUrl`: the API whose document describes `baseUrl` (a worker's ops port serves none), or
   * null for a server flashcart does not describe at all (the simulators): its answers are not checked.
   */
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
    readonly contractUrl: string | null = baseUrl,
  ) {}

  /** A client for a server outside flashcart's API (a simulator), whose answers no document describes. */
  static unchecked(baseUrl: string): Api {
    return new Api(baseUrl, undefined, null);
  }

  as(token: string): Api {
    return new Api(this.baseUrl, token, this.contractUrl);
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
    let body: Uint8Array | undefined;
    if (options.rawBody !== undefined) body = typeof options.rawBody === 'string' ? Buffer.from(options.rawBody) : options.rawBody;
    else if (options.body !== undefined) body = Buffer.from(JSON.stringify(options.body));
    const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
    if (body !== undefined && contentType !== null) headers['content-type'] = contentType;
    const contract = this.contractUrl === null ? undefined : contractOf(this.contractUrl);
    // flashcart's own answers are checked as given: a redirect is its 303, not the page it leads to.
    const redirect = contract === undefined ? 'follow' : 'manual';
    const response = await fetch(this.baseUrl + path, { method, headers: { ...headers, ...options.headers }, body, redirect });
    const text = await response.text();
    (await contract)?.check(method, path, { status: response.status, contentType: response.headers.get('content-type'), text });
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: leave the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = any>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('POST', path, { ...options, ...(body !== undefined ? { body } : {}) });
  }
  put<T = any>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PUT', path, { ...options, body });
  }
  patch<T = any>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }

  /** Places an order with an Idempotency-Key. */
  order(items: { sku: string; quantity: number }[], key: string, extra: Record<string, unknown> = {}) {
    return this.post('/api/orders', { items, ...extra }, { headers: { 'idempotency-key': key } });
  }
}

export async function adminApi(baseUrl: string, credentials: { email: string; password: string } = ADMIN): Promise<Api> {
  const login = await new Api(baseUrl).post('/api/auth/login', credentials);
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return new Api(baseUrl, login.body.token);
}

/** `count` guest buyers, created through the API `concurrency` at a time. */
export async function guests(baseUrl: string, count: number, concurrency = 50): Promise<Api[]> {
  const api = new Api(baseUrl);
  const buyers: Api[] = [];
  for (let start = 0; start < count; start += concurrency) {
    const batch = await Promise.all(Array.from({ length: Math.min(concurrency, count - start) }, () => api.post('/api/auth/guest')));
    for (const answer of batch) {
      if (answer.status !== 201) throw new Error(`guest creation failed: ${answer.status}`);
      buyers.push(api.as(answer.body.token));
    }
  }
  return buyers;
}

/** Runs `tasks` with at most `limit` in flight, settling every one. */
export async function settleInWaves<T>(tasks: (() => Promise<T>)[], limit: number): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = [];
  for (let start = 0; start < tasks.length; start += limit) {
    results.push(...(await Promise.allSettled(tasks.slice(start, start + limit).map((task) => task()))));
  }
  return results;
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs `tasks` keeping `limit` in flight at every moment (a pool, not waves), settling every one, in task order. */
export async function settleConcurrently<T>(tasks: (() => Promise<T>)[], limit: number): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await tasks[index]!() };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}
