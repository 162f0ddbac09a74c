import { compileErrors, validate } from '@readme/openapi-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { Contract, fetchDocument, type OpenApiDocument, type OpenApiOperation } from './support/contract.js';
import { useSystem } from './support/system.js';

/** Each operation of the public contract and every status it documents. */
const OPERATIONS: Record<string, [operationId: string, statuses: number[]]> = {
  'GET /health': ['getHealth', [200]],
  'GET /ready': ['getReadiness', [200, 503]],
  'GET /metrics': ['getMetrics', [200]],
  'POST /api/auth/register': ['registerUser', [201, 400, 409, 413, 415, 429, 503]],
  'POST /api/auth/login': ['loginUser', [200, 400, 401, 413, 415, 429, 503]],
  'POST /api/auth/guest': ['createGuest', [201, 400, 413, 415, 429, 503]],
  'GET /api/me': ['getCurrentUser', [200, 401, 503]],
  'GET /api/categories': ['listCategories', [200, 503]],
  'GET /api/products': ['listProducts', [200, 400, 503]],
  'GET /api/products/{sku}': ['getProduct', [200, 400, 404, 503]],
  'POST /api/admin/categories': ['createCategory', [201, 400, 401, 403, 409, 413, 415, 503]],
  'POST /api/admin/products': ['createProduct', [201, 400, 401, 403, 409, 413, 415, 503]],
  'PATCH /api/admin/products/{sku}': ['updateProduct', [200, 400, 401, 403, 404, 413, 415, 503]],
  'DELETE /api/admin/products/{sku}': ['deleteProduct', [204, 400, 401, 403, 404, 413, 415, 503]],
  'GET /api/admin/inventory/{sku}': ['getInventory', [200, 400, 401, 403, 404, 503]],
  'PUT /api/admin/inventory/{sku}': ['setInventoryOnHand', [200, 400, 401, 403, 404, 409, 413, 415, 503]],
  'POST /api/admin/inventory/{sku}/adjust': ['adjustInventory', [200, 400, 401, 403, 404, 409, 413, 415, 503]],
  'POST /api/orders': ['placeOrder', [202, 400, 401, 409, 413, 415, 422, 429, 503]],
  'GET /api/orders': ['listOrders', [200, 400, 401, 503]],
  'GET /api/orders/{id}': ['getOrder', [200, 400, 401, 404, 503]],
  'POST /api/orders/{id}/cancel': ['cancelOrder', [200, 400, 401, 404, 409, 413, 415, 503]],
  'GET /api/admin/orders': ['listAllOrders', [200, 400, 401, 403, 503]],
  'PATCH /api/admin/orders/{id}': ['setOrderStatus', [200, 400, 401, 403, 404, 409, 413, 415, 503]],
};

/** The operations anyone may call; every other one needs a bearer token. */
const PUBLIC = [
  'getHealth',
  'getReadiness',
  'getMetrics',
  'registerUser',
  'loginUser',
  'createGuest',
  'listCategories',
  'listProducts',
  'getCartReminders',
  'unsubscribeCartReminders',
  'subscribeCartReminders',
  'openCartRemindersUnsubscribe',
  'getProduct',
  // The provider signs it instead (Payment-Signature).
  'receivePaymentWebhook',
];

const operationsOf = (document: OpenApiDocument) =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation: operation as OpenApiOperation })),
  );

const sut = useSystem({ api: true, worker: false });
/** The document the API serves. */
let served: OpenApiDocument;

beforeAll(async () => {
  served = await fetchDocument(sut.system.url!);
});

describe('the OpenAPI document at /docs/json', () => {
  let document: OpenApiDocument;

  beforeAll(() => {
    document = structuredClone(served);
  });

  it('is served at /docs too, where the contract names it, to a program asking for JSON; a browser gets the page', async () => {
    const asJson = await fetch(`${sut.system.url}/docs`, { headers: { accept: 'application/json' } });
    expect(asJson.status).toBe(200);
    expect(asJson.headers.get('content-type')).toContain('application/json');
    expect(await asJson.json()).toEqual(served);
    const page = await fetch(`${sut.system.url}/docs`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('is a valid OpenAPI 3 document', async () => {
    const result = await validate(structuredClone(document) as unknown as Parameters<typeof validate>[0]);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.warnings).toEqual([]);
    expect(document.openapi).toMatch(/^3\./);
  });

  it('documents each operation of the contract with its operationId and every status it can answer', () => {
    const documented = Object.fromEntries(
      operationsOf(document).map(({ name, operation }) => [name, [operation.operationId, Object.keys(operation.responses).map(Number)]]),
    );
    expect(documented).toMatchObject(OPERATIONS);
  });

  it('gives every operation a summary, a unique camelCase operationId and a description for each answer', () => {
    const ids = new Set<string>();
    for (const { name, operation } of operationsOf(document)) {
      const { operationId, summary } = operation as OpenApiOperation & { summary?: string };
      expect({ name, operationId }).toEqual({ name, operationId: expect.stringMatching(/^[a-z]+(?:[A-Z][a-z]*)+$/) });
      expect(ids.has(operationId!), `${operationId} is used twice`).toBe(false);
      ids.add(operationId!);
      expect({ name, summary }).toEqual({ name, summary: expect.any(String) });
      for (const [status, response] of Object.entries(operation.responses)) {
        expect({ name, status, description: response.description }).toEqual({
          name,
          status,
          description: expect.not.stringMatching(/^Default Response$/),
        });
      }
    }
  });

  it('asks for a bearer token exactly where one is needed', () => {
    expect((document as { security?: unknown }).security).toBeUndefined();
    for (const { name, operation } of operationsOf(document)) {
      const { security, operationId } = operation as OpenApiOperation & { security?: unknown };
      const needed = !PUBLIC.includes(operationId!);
      expect({ name, security }).toEqual({ name, security: needed ? [{ bearer: [] }] : undefined });
      expect({ name, has401: '401' in operation.responses }).toEqual({ name, has401: needed || operationId === 'loginUser' });
    }
  });

  it('answers every refusal with the Error schema, and a 204 with no body', () => {
    for (const { name, operation } of operationsOf(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || (operation.operationId === 'getReadiness' && status === '503')) continue;
        expect({ name, status, content: response.content }).toEqual({
          name,
          status,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        });
      }
    }
    expect(document.paths['/api/admin/products/{sku}']!.delete!.responses['204']!.content).toBeUndefined();
  });

  it('names components for what they are and keeps only those in use', () => {
    const names = Object.keys(document.components!.schemas!);
    expect(names).toEqual(expect.arrayContaining(['Error', 'Product', 'Order', 'Inventory', 'PlaceOrderInput', 'CreateProductInput']));
    const text = JSON.stringify(document.paths);
    for (const name of names) {
      const referenced =
        text.includes(`"#/components/schemas/${name}"`) || JSON.stringify(document.components).includes(`"#/components/schemas/${name}"`);
      expect({ name, referenced }).toEqual({ name, referenced: true });
    }
    // An *Input is what a client sends: never the answer's schema.
    for (const { name, operation } of operationsOf(document)) {
      expect({ name, responses: JSON.stringify(operation.responses) }).toEqual({ name, responses: expect.not.stringContaining('Input"') });
    }
  });

  it('puts the rules of a body in its schema: items or fromCart on an order, and an optional cancel body', () => {
    const placeOrder = document.components!.schemas!.PlaceOrderInput as { anyOf: { required: string[]; additionalProperties: boolean }[] };
    expect(placeOrder.anyOf.map((shape) => shape.required)).toEqual([['items'], ['fromCart']]);
    expect(placeOrder.anyOf.every((shape) => shape.additionalProperties === false)).toBe(true);
    expect(document.paths['/api/orders/{id}/cancel']!.post!.requestBody!.required).toBe(false);
    expect(document.paths['/api/orders']!.post!.requestBody!.required).toBe(true);
  });
});

describe('the response check of the test client', () => {
  const contract = () => new Contract(served);

  const json = (status: number, body: unknown) => ({ status, contentType: 'application/json; charset=utf-8', text: JSON.stringify(body) });
  const refusal = (code: string) => ({ error: { code, message: 'm' } });

  it('accepts what the document describes', () => {
    expect(() => contract().check('GET', '/health', json(200, { status: 'ok' }))).not.toThrow();
    expect(() => contract().check('GET', '/api/products/A-1?x=1', json(404, refusal('NOT_FOUND')))).not.toThrow();
    expect(() => contract().check('DELETE', '/api/admin/products/A-1', { status: 204, contentType: null, text: '' })).not.toThrow();
    expect(() => contract().check('GET', '/api/no-such-route', json(404, refusal('NOT_FOUND')))).not.toThrow();
    expect(() => contract().check('DELETE', '/api/products/A-1', json(405, refusal('METHOD_NOT_ALLOWED')))).not.toThrow();
  });

  it('refuses a status the operation does not document, naming method, path and status', () => {
    expect(() => contract().check('GET', '/api/categories', json(404, refusal('NOT_FOUND')))).toThrow(
      /^GET \/api\/categories → 404: listCategories documents no 404/,
    );
    expect(() => contract().check('POST', '/api/orders', json(500, refusal('INTERNAL')))).toThrow(/POST \/api\/orders → 500/);
  });

  it('refuses a body that does not match the schema of its status', () => {
    expect(() => contract().check('GET', '/health', json(200, { status: 'fine' }))).toThrow(/does not match/);
    expect(() => contract().check('GET', '/api/products/A-1', json(404, { error: 'Not Found', statusCode: 404 }))).toThrow(/does not match/);
    expect(() => contract().check('GET', '/api/products/A-1', json(404, refusal('NO_SUCH_CODE')))).toThrow(/does not match/);
    expect(() => contract().check('DELETE', '/api/admin/products/A-1', json(204, {}))).toThrow(/documents no body/);
    expect(() => contract().check('GET', '/health', { status: 200, contentType: 'text/plain', text: 'ok' })).toThrow(/not "text\/plain"/);
  });

  it('allows only a 4xx with the Error body on a path or method no operation has', () => {
    expect(() => contract().check('GET', '/api/no-such-route', json(200, {}))).toThrow(/only a 4xx refusal/);
    expect(() => contract().check('GET', '/api/no-such-route', json(404, { message: 'gone' }))).toThrow(/does not match/);
    expect(() => contract().check('PUT', '/api/orders', json(503, refusal('UNAVAILABLE')))).toThrow(/only a 4xx refusal/);
  });
});
