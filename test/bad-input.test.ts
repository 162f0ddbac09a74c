import { beforeAll, describe, expect, it } from 'vitest';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { Api, guests } from './support/http.js';
import { useSystem } from './support/system.js';

describe('bad input changes nothing', () => {
  const sut = useSystem({ api: true, worker: true });
  let buyer: Api;
  let sku: string;
  let euroSku: string;
  let dollarSku: string;

  beforeAll(async () => {
    [buyer] = (await guests(sut.system.url!, 1)) as [Api];
    sku = await createProduct(sut.admin, { onHand: 10 });
    euroSku = await createProduct(sut.admin, { onHand: 10, currency: 'EUR' });
    dollarSku = await createProduct(sut.admin, { onHand: 10, currency: 'USD' });
  });

  const key = { 'idempotency-key': 'bad-input' };
  const line = () => ({ sku, quantity: 1 });
  const cases: [name: string, send: () => Promise<{ status: number; body: any }>, status: number, code: string][] = [
    ['malformed JSON', () => buyer.request('POST', '/api/orders', { rawBody: '{"items": [', headers: key }), 400, 'VALIDATION_FAILED'],
    ['an empty JSON body', () => buyer.request('POST', '/api/orders', { rawBody: '', headers: key }), 400, 'VALIDATION_FAILED'],
    ['a JSON array body', () => buyer.request('POST', '/api/orders', { rawBody: '[]', headers: key }), 400, 'VALIDATION_FAILED'],
    ['a JSON string body', () => buyer.request('POST', '/api/orders', { rawBody: '"x"', headers: key }), 400, 'VALIDATION_FAILED'],
    [
      'a content type with no parser',
      () => buyer.request('POST', '/api/orders', { rawBody: '<items/>', headers: { ...key, 'content-type': 'application/xml' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a quantity given as a string',
      () => buyer.post('/api/orders', { items: [{ sku, quantity: '1' }] }, { headers: key }),
      400,
      'VALIDATION_FAILED',
    ],
    ['a SKU given as a number', () => buyer.post('/api/orders', { items: [{ sku: 7, quantity: 1 }] }, { headers: key }), 400, 'VALIDATION_FAILED'],
    ['items given as an object', () => buyer.post('/api/orders', { items: { sku, quantity: 1 } }, { headers: key }), 400, 'VALIDATION_FAILED'],
    ['a zero quantity', () => buyer.order([{ sku, quantity: 0 }], 'bad'), 400, 'VALIDATION_FAILED'],
    ['a negative quantity', () => buyer.order([{ sku, quantity: -1 }], 'bad'), 400, 'VALIDATION_FAILED'],
    ['a fractional quantity', () => buyer.order([{ sku, quantity: 1.5 }], 'bad'), 400, 'VALIDATION_FAILED'],
    ['a huge quantity', () => buyer.order([{ sku, quantity: 1e15 }], 'bad'), 400, 'VALIDATION_FAILED'],
    [
      'a quantity beyond 2^53',
      () => buyer.request('POST', '/api/orders', { rawBody: `{"items":[{"sku":"${sku}","quantity":99999999999999999999}]}`, headers: key }),
      400,
      'VALIDATION_FAILED',
    ],
    ['an unknown SKU', () => buyer.order([{ sku: 'NO-SUCH-SKU', quantity: 1 }, line()], 'bad'), 400, 'VALIDATION_FAILED'],
    ['a malformed SKU', () => buyer.order([{ sku: '../../etc', quantity: 1 }], 'bad'), 400, 'VALIDATION_FAILED'],
    ['1,000 lines', () => buyer.order(Array.from({ length: 1_000 }, line), 'bad'), 400, 'VALIDATION_FAILED'],
    ['no lines', () => buyer.order([], 'bad'), 400, 'VALIDATION_FAILED'],
    ['neither items nor fromCart', () => buyer.post('/api/orders', {}, { headers: key }), 400, 'VALIDATION_FAILED'],
    ['both items and fromCart', () => buyer.post('/api/orders', { items: [line()], fromCart: true }, { headers: key }), 400, 'VALIDATION_FAILED'],
    ['no Idempotency-Key', () => buyer.post('/api/orders', { items: [line()] }), 400, 'VALIDATION_FAILED'],
    ['an empty Idempotency-Key', () => buyer.order([line()], ''), 400, 'VALIDATION_FAILED'],
    ['a 10 KB Idempotency-Key', () => buyer.order([line()], 'k'.repeat(10_240)), 400, 'VALIDATION_FAILED'],
    ['a 256-character Idempotency-Key', () => buyer.order([line()], 'k'.repeat(256)), 400, 'VALIDATION_FAILED'],
    ['an unknown top-level field', () => buyer.order([line()], 'bad', { coupon: 'FREE' }), 400, 'VALIDATION_FAILED'],
    [
      'an unknown field in a line',
      () => buyer.post('/api/orders', { items: [{ ...line(), priceCents: 1 }] }, { headers: key }),
      400,
      'VALIDATION_FAILED',
    ],
    ['a malformed email', () => buyer.order([line()], 'bad', { customerEmail: 'not-an-email' }), 400, 'VALIDATION_FAILED'],
    [
      'a NUL character in the shipping address',
      () => buyer.order([line()], 'bad', { shippingAddress: { name: 'A\u0000B', line1: 'x', city: 'y', postalCode: '1', country: 'DE' } }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an unpaired surrogate in the shipping address',
      () => buyer.order([line()], 'bad', { shippingAddress: { name: 'A\ud800B', line1: 'x', city: 'y', postalCode: '1', country: 'DE' } }),
      400,
      'VALIDATION_FAILED',
    ],
    ['a shipping address missing fields', () => buyer.order([line()], 'bad', { shippingAddress: { name: 'A' } }), 400, 'VALIDATION_FAILED'],
    [
      'lines in two currencies',
      () =>
        buyer.order(
          [
            { sku: euroSku, quantity: 1 },
            { sku: dollarSku, quantity: 1 },
          ],
          'bad',
        ),
      400,
      'VALIDATION_FAILED',
    ],
    ['a body over the size limit', () => buyer.order([line()], 'bad', { note: 'x'.repeat(300_000) }), 413, 'PAYLOAD_TOO_LARGE'],
  ];

  it.each(cases)('answers %s with a 4xx and a code', async (_name, send, status, code) => {
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(typeof answer.body.error.message).toBe('string');
  });

  it('has held no stock and written no order after all of that', async () => {
    for (const product of [sku, euroSku, dollarSku]) {
      expect(await inventoryOf(sut.admin, product)).toMatchObject({ onHand: 10, reserved: 0, gateAvailable: 10, drift: 0 });
    }
    expect((await sut.admin.get('/api/admin/orders')).body.total).toBe(0);
    // The key used by every refused request is still free.
    expect((await buyer.order([line()], 'bad')).status).toBe(202);
  });

  it('answers bad input on other routes with 4xx codes too', async () => {
    const checks: [Promise<{ status: number; body: any }>, number, string][] = [
      [buyer.get('/api/orders/not-a-uuid'), 400, 'VALIDATION_FAILED'],
      [buyer.get('/api/orders?limit=1000'), 400, 'VALIDATION_FAILED'],
      [buyer.get('/api/orders?status=LOST'), 400, 'VALIDATION_FAILED'],
      [buyer.get('/api/products?page=0'), 400, 'VALIDATION_FAILED'],
      [buyer.get('/api/products/%20bad%20sku'), 400, 'VALIDATION_FAILED'],
      [buyer.get('/api/products/NO-SUCH-SKU'), 404, 'NOT_FOUND'],
      [buyer.get('/api/products?q=%00'), 400, 'VALIDATION_FAILED'],
      [sut.admin.patch(`/api/admin/products/${sku}`, { title: 'x\u0000' }), 400, 'VALIDATION_FAILED'],
      [new Api(sut.system.url!).post('/api/auth/register', { email: 'nul@y.z', password: 'long enough', name: '\u0000' }), 400, 'VALIDATION_FAILED'],
      [buyer.get('/api/no-such-route'), 404, 'NOT_FOUND'],
      [sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: 0 }), 400, 'VALIDATION_FAILED'],
      [sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: 1.5 }), 400, 'VALIDATION_FAILED'],
      [sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: -11 }), 409, 'INSUFFICIENT_STOCK'],
      [sut.admin.put(`/api/admin/inventory/${sku}`, { onHand: -1 }), 400, 'VALIDATION_FAILED'],
      [sut.admin.get('/api/admin/inventory/NO-SUCH-SKU'), 404, 'NOT_FOUND'],
      [sut.admin.post('/api/admin/products', { sku, title: 'dup', priceCents: 1, category: 'test' }), 409, 'CONFLICT'],
      [sut.admin.post('/api/admin/products', { sku: 'NEW-1', title: 'x', priceCents: -5, category: 'test' }), 400, 'VALIDATION_FAILED'],
      [sut.admin.post('/api/admin/products', { sku: 'NEW-2', title: 'x', priceCents: 5, category: 'nope' }), 400, 'VALIDATION_FAILED'],
      [sut.admin.patch(`/api/admin/products/${sku}`, {}), 400, 'VALIDATION_FAILED'],
      [sut.admin.patch('/api/admin/orders/00000000-0000-4000-8000-000000000000', { status: 'CANCELLED' }), 404, 'NOT_FOUND'],
      [new Api(sut.system.url!).post('/api/auth/register', { email: 'x@y.z', password: 'short' }), 400, 'VALIDATION_FAILED'],
    ];
    for (const [index, [pending, status, code]] of checks.entries()) {
      const answer = await pending;
      expect({ index, status: answer.status, code: answer.body?.error?.code }).toEqual({ index, status, code });
    }
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 10 });
  });
});
