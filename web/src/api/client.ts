import createClient from 'openapi-fetch';
import type { paths } from './schema';

/** Every path of the API, as the OpenAPI document describes it. */
export type ApiPaths = paths;

type Methods = 'get' | 'post' | 'put' | 'patch' | 'delete';
type SuccessStatus = 200 | 201 | 202;

/** The JSON body a successful call of `method path` answers with. */
export type OkBody<P extends keyof ApiPaths, M extends Methods & keyof ApiPaths[P]> = ApiPaths[P][M] extends {
  responses: infer R;
}
  ? R[Extract<keyof R, SuccessStatus>] extends { content: { 'application/json': infer B } }
    ? B
    : never
  : never;

/** The JSON body `method path` takes. */
export type RequestBody<P extends keyof ApiPaths, M extends Methods & keyof ApiPaths[P]> = ApiPaths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export type Product = OkBody<'/api/products/{sku}', 'get'>;
export type Category = OkBody<'/api/categories', 'get'>['items'][number];
export type Order = OkBody<'/api/orders/{id}', 'get'>;
export type OrderStatus = Order['status'];
export type User = OkBody<'/api/me', 'get'>;
export type Session = OkBody<'/api/auth/login', 'post'>;
export type Cart = OkBody<'/api/cart', 'get'>;
export type CartLine = Cart['items'][number];
export type ShippingAddress = NonNullable<RequestBody<'/api/orders', 'post'>['shippingAddress']>;
export type InventoryItem = OkBody<'/api/admin/inventory', 'get'>['items'][number];
export type FailedJob = OkBody<'/api/admin/failed-jobs', 'get'>['items'][number];
export type MailboxMessage = OkBody<'/api/admin/mailbox', 'get'>['items'][number];
export type Vendor = OkBody<'/api/admin/vendors', 'get'>[number];

/** An answer in the API's error format, `{error: {code, message, details}}`, or a network failure (status 0). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /**
   * Whether the address names nothing: no such thing (404), or an identifier that cannot name one at
   * all (400, a malformed id in the path or query), which a reader takes the same way.
   */
  get namesNothing(): boolean {
    return this.status === 404 || this.status === 400;
  }

  /** Whether sending the same request again may succeed: the network, a busy or restarting server. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

let currentToken: () => string | undefined = () => undefined;
let onUnauthenticated: () => void = () => undefined;

/** How the client finds the caller's token, and what it does when the API no longer accepts it. */
export function configureAuth(options: { token: () => string | undefined; onUnauthenticated: () => void }): void {
  currentToken = options.token;
  onUnauthenticated = options.onUnauthenticated;
}

/** The typed API client: paths, parameters, bodies and answers all come from the OpenAPI document. */
export const api = createClient<ApiPaths>({ baseUrl: '' });

api.use({
  onRequest({ request }) {
    const token = currentToken();
    if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    // A refused password is the login form's business; any other 401 means the token is no good.
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/auth/')) onUnauthenticated();
    return response;
  },
});

function errorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string') {
    return new ApiError(status, error.code, String(error.message ?? error.code), (error.details as Record<string, unknown>) ?? {});
  }
  return new ApiError(status, status === 404 ? 'NOT_FOUND' : 'UNAVAILABLE', `the server answered ${status}`);
}

/**
 * The data of an openapi-fetch call, or an ApiError: callers (TanStack Query, the cart store) deal
 * in exceptions, with the API's error code to tell a refusal from a failure.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch {
    // The browser's own words ("Failed to fetch", "NetworkError when…") say nothing a shopper can act on.
    throw new ApiError(0, 'NETWORK', 'The shop cannot be reached. Check your connection and try again.');
  }
  if (!result.response.ok) throw errorOf(result.response.status, result.error);
  return result.data as T;
}
