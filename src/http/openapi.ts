import type { FastifyDynamicSwaggerOptions, SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponse } from '../lib/http-schemas.js';

/**
 * How every route documents itself in the OpenAPI document at /docs. A route's schema comes from
 * `route({...})`: its request schemas, a summary, an operationId, who may call it, what each success
 * status means and the refusals its own logic gives. The refusals any route of its kind can give
 * (a malformed body, a missing token, an unreachable store) are added here, from what the route is,
 * so no route can forget them and every route says them in the same words.
 */

/** Who may call a route: anyone, any caller with a token (guests too), or admins only. */
export type Access = 'public' | 'user' | 'admin';

/** Refusals a route's own logic gives; their meaning differs from route to route. */
export type RefusalStatus = 400 | 401 | 404 | 409 | 422;

/** A success answer: what it means, and its body (`noBody` for none). */
export interface Answer {
  description: string;
  schema: z.ZodType;
  /** For a body that is not JSON (the Prometheus text of /metrics). */
  contentType?: string;
}

/** The schema of a response with no body, such as a 204. */
export const noBody = z.undefined();

interface RequestSchemas {
  body?: z.ZodType;
  querystring?: z.ZodType;
  params?: z.ZodType;
  headers?: z.ZodType;
}

export interface RouteDoc extends RequestSchemas {
  /** camelCase verb-noun, stable: generated clients name their methods after it. */
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  access: Access;
  ok: Record<number, Answer>;
  /** What the route's own refusals mean here, by status, with the codes they carry. */
  refusals?: Partial<Record<RefusalStatus, string>>;
  /** Behind a rate limit (answers 429 when it is on). */
  rateLimited?: boolean;
  /** The body may be left out; when sent, it must match `body`. */
  bodyOptional?: boolean;
  /** False for a route that answers without Postgres or Redis (no 503). */
  needsStores?: boolean;
  /**
   * The route takes a body of any type and leaves it unread (a mail client's one-click form): no
   * 415, and this many bytes at most (its 413).
   */
  ignoresBodyOver?: number;
}

const DOC = Symbol('flashcart.routeDoc');

type Documented = { [DOC]?: RouteDoc };

/** The security requirement of a route that needs a token. */
const BEARER = [{ bearer: [] }];

/**
 * A route's Fastify schema with its documentation. The response map holds the success schemas and
 * the route's own refusals, so a handler can send them typed; the statuses every route of its kind
 * can answer are added to the document by `transform`.
 */
export function route<const D extends RouteDoc>(doc: D) {
  const response: Record<number, z.ZodType> = {};
  for (const [status, answer] of Object.entries(doc.ok)) response[Number(status)] = answer.schema;
  for (const status of Object.keys(doc.refusals ?? {})) response[Number(status)] = errorResponse;
  const schema = {
    summary: doc.summary,
    operationId: doc.operationId,
    tags: doc.tags,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.access === 'public' ? {} : { security: BEARER }),
    ...(doc.body ? { body: doc.body } : {}),
    ...(doc.querystring ? { querystring: doc.querystring } : {}),
    ...(doc.params ? { params: doc.params } : {}),
    ...(doc.headers ? { headers: doc.headers } : {}),
    response,
    [DOC]: doc,
  };
  return schema as unknown as Pick<D, keyof RequestSchemas & keyof D> & {
    summary: string;
    operationId: string;
    tags: readonly string[];
    response: { [S in keyof D['ok']]: D['ok'][S] extends Answer ? D['ok'][S]['schema'] : never } & {
      [S in keyof D['refusals']]: typeof errorResponse;
    };
  };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What the refusals every route of a kind can give mean, with the code each carries. */
const COMMON_REFUSALS = {
  400: 'VALIDATION_FAILED: the request breaks its schema or is malformed (bad JSON, a body that is not UTF-8); `details.issues` says where.',
  401: 'UNAUTHENTICATED: no `Authorization: Bearer <token>`, or a token that is invalid or expired.',
  403: 'FORBIDDEN: the token is valid but its role may not do this (admin only).',
  413: 'PAYLOAD_TOO_LARGE: the body is over 256 KiB.',
  415: 'UNSUPPORTED_MEDIA_TYPE: a body sent as anything but `application/json` (or with no Content-Type).',
  429: 'RATE_LIMITED: too many requests from this address or account; retry after `Retry-After` seconds. Every answer of the route past validation and the token check (which count) says where the caller stands: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds).',
  503: 'UNAVAILABLE: Postgres or Redis cannot be reached; nothing was changed. Retry after `Retry-After` seconds.',
} as const;

const RETRY_AFTER = { 'Retry-After': { type: 'integer', description: 'Seconds to wait before retrying.' } };

/** Every status a route can answer, each with its description. */
function statusesOf(doc: RouteDoc, methods: string[]): Map<number, string> {
  const statuses = new Map<number, string>();
  for (const [status, answer] of Object.entries(doc.ok)) statuses.set(Number(status), answer.description);
  const takesBody = methods.some((method) => BODY_METHODS.has(method));
  if (takesBody || doc.querystring || doc.params || doc.headers) statuses.set(400, COMMON_REFUSALS[400]);
  if (doc.access !== 'public') statuses.set(401, COMMON_REFUSALS[401]);
  if (doc.access === 'admin') statuses.set(403, COMMON_REFUSALS[403]);
  for (const [status, description] of Object.entries(doc.refusals ?? {})) statuses.set(Number(status), description);
  if (takesBody && doc.ignoresBodyOver !== undefined) {
    statuses.set(413, `PAYLOAD_TOO_LARGE: a body over ${doc.ignoresBodyOver.toLocaleString('en')} bytes (any body is taken and left unread).`);
  } else if (takesBody) {
    statuses.set(413, COMMON_REFUSALS[413]);
    statuses.set(415, COMMON_REFUSALS[415]);
  }
  if (doc.rateLimited) statuses.set(429, COMMON_REFUSALS[429]);
  if (doc.needsStores !== false && !statuses.has(503)) statuses.set(503, COMMON_REFUSALS[503]);
  return new Map([...statuses].sort(([a], [b]) => a - b));
}

type JsonObject = Record<string, unknown>;

/** Marks an operation whose body may be left out, for `transformObject` (Fastify's swagger says every body is required). */
const OPTIONAL_BODY = 'x-flashcart-optional-body';

/** Per route: zod schemas to JSON schemas, then every status the route can answer, described. */
export const transform: SwaggerTransform = (input) => {
  const doc = (input.schema as Documented | undefined)?.[DOC];
  const result = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]);
  const schema = result.schema as JsonObject & { hide?: boolean; response?: Record<string, JsonObject> };
  if (schema.hide) return result;
  if (!doc) throw new Error(`${input.url} is not documented: declare its schema with route() from src/http/openapi.ts`);
  const methods = [input.route.method].flat();
  const errorJson: JsonObject = { $ref: '#/components/schemas/Error' };
  const response: Record<string, JsonObject> = {};
  for (const [status, description] of statusesOf(doc, methods)) {
    const json = schema.response?.[status] ?? errorJson;
    const answer = doc.ok[status];
    const headers = !answer && (status === 429 || status === 503) ? { headers: RETRY_AFTER } : {};
    response[status] =
      json.type === 'null'
        ? { description, type: 'null' }
        : { description, ...headers, content: { [answer?.contentType ?? 'application/json']: { schema: json } } };
  }
  schema.response = response;
  if (doc.bodyOptional) schema[OPTIONAL_BODY] = true;
  return result;
};

/**
 * The whole document: the components the routes refer to (zod's registry yields an input and an
 * output variant of every named schema; only those in use are kept), and optional bodies.
 */
export const transformObject: SwaggerTransformObject = (input) => {
  const document = jsonSchemaTransformObject(input) as JsonObject & {
    paths: Record<string, Record<string, JsonObject>>;
    components: { schemas: Record<string, unknown> };
  };
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      if (!operation[OPTIONAL_BODY]) continue;
      delete operation[OPTIONAL_BODY];
      (operation.requestBody as JsonObject).required = false;
    }
  }
  const schemas = document.components.schemas;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') {
        const name = child.replace('#/components/schemas/', '');
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else {
        visit(child);
      }
    }
  };
  visit(document.paths);
  document.components.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return document;
};

/** The document's frame: what every operation shares. */
export const openapiDocument: FastifyDynamicSwaggerOptions['openapi'] = {
  info: {
    title: 'flashcart',
    version: '0.1.0',
    description:
      'Carts, inventory reservations and orders that never oversell. Every refusal is `{error: {code, message, details?}}` ' +
      '(the Error schema); its code fixes the status. docs/API.md in the repository explains the rules.',
  },
  tags: [
    { name: 'auth', description: 'Accounts, guests and bearer tokens' },
    { name: 'catalog', description: 'Categories and products, public' },
    { name: 'cart', description: "The caller's cart, guests included; every change is pushed as `cart:update` over Socket.IO" },
    { name: 'orders', description: "The caller's orders" },
    { name: 'payments', description: "The payment provider's signed webhooks" },
    { name: 'mail', description: 'Cart reminders turned off or on again, from the links each reminder carries' },
    { name: 'admin', description: 'Catalog, stock and orders, for the admin role' },
    { name: 'ops', description: 'Health, readiness and metrics' },
  ],
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
};
