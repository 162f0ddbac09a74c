import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/lib/hashing.js';
import { signWebhook } from '../src/modules/payments/webhook-signature.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { Api, guests } from './support/http.js';
import { useSystem, WEBHOOK_SECRET } from './support/system.js';

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
      'a body without a Content-Type',
      () => buyer.request('POST', '/api/orders', { rawBody: JSON.stringify({ items: [line()] }), contentType: null, headers: key }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['neither a body nor a Content-Type', () => buyer.request('POST', '/api/orders', { headers: key }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'a JSON body sent as text/plain',
      () => buyer.request('POST', '/api/orders', { rawBody: JSON.stringify({ items: [line()] }), contentType: 'text/plain', headers: key }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a body that is not UTF-8',
      () =>
        buyer.request('POST', '/api/orders', {
          rawBody: Buffer.from([...Buffer.from('{"items":[{"sku":"'), 0xff, ...Buffer.from('","quantity":1}]}')]),
          headers: key,
        }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a JSON body with a __proto__ key',
      () => buyer.request('POST', '/api/orders', { rawBody: `{"items":[{"sku":"${sku}","quantity":1}],"__proto__":{"admin":true}}`, headers: key }),
      400,
      'VALIDATION_FAILED',
    ],
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
    [
      'one SKU named twice for more than 1,000 units in all',
      () =>
        buyer.order(
          [
            { sku, quantity: 600 },
            { sku, quantity: 600 },
          ],
          'bad',
        ),
      400,
      'VALIDATION_FAILED',
    ],
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
      () => buyer.order([line()], 'bad', { shippingAddress: { name: 'A\u0000B', line1: 'x', city: 'y', postalCode: '10115', country: 'DE' } }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an unpaired surrogate in the shipping address',
      () => buyer.order([line()], 'bad', { shippingAddress: { name: 'A\ud800B', line1: 'x', city: 'y', postalCode: '10115', country: 'DE' } }),
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
    [
      'a gzip-compressed body',
      () =>
        buyer.request('POST', '/api/orders', {
          rawBody: gzipSync(JSON.stringify({ items: [line()] })),
          headers: { ...key, 'content-encoding': 'gzip' },
        }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a gzip-compressed payment webhook, signed over what was sent',
      () => {
        const rawBody = gzipSync('{"id":"evt_gzip","type":"payment.succeeded","data":{}}');
        const signature = signWebhook(WEBHOOK_SECRET, rawBody, Date.now() / 1_000);
        return new Api(sut.system.url!).request('POST', '/api/payments/webhook', {
          rawBody,
          headers: { 'payment-signature': signature, 'content-encoding': 'gzip' },
        });
      },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
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
      // Three capitals that no currency has.
      [
        sut.admin.post('/api/admin/products', { sku: 'NEW-3', title: 'x', priceCents: 5, category: 'test', currency: 'ABC' }),
        400,
        'VALIDATION_FAILED',
      ],
      [sut.admin.patch(`/api/admin/products/${sku}`, { currency: 'XYZ' }), 400, 'VALIDATION_FAILED'],
      [sut.admin.patch('/api/admin/orders/00000000-0000-4000-8000-000000000000', { status: 'CANCELLED' }), 404, 'NOT_FOUND'],
      [new Api(sut.system.url!).post('/api/auth/register', { email: 'x@y.z', password: 'short' }), 400, 'VALIDATION_FAILED'],
    ];
    for (const [index, [pending, status, code]] of checks.entries()) {
      const answer = await pending;
      expect({ index, status: answer.status, code: answer.body?.error?.code }).toEqual({ index, status, code });
    }
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 10 });
    expect((await buyer.get('/api/products/NEW-3')).status).toBe(404);
    expect((await buyer.get(`/api/products/${sku}`)).body.currency).toBe('EUR');
  });

  it('takes page, limit and a dead letter id in decimal digits only, not whatever Number() reads as a number', async () => {
    const lists = ['/api/products', '/api/orders', '/api/admin/orders', '/api/admin/mailbox', '/api/admin/failed-jobs', '/api/admin/inventory'];
    for (const list of lists) {
      for (const query of ['page=1e3', 'page=0x2', 'page=1.0', 'limit=%2B5', 'limit=%205', 'limit=0b11']) {
        const answer = await sut.admin.get(`${list}?${query}`);
        expect({ list, query, status: answer.status, code: answer.body.error?.code }).toEqual({
          list,
          query,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
      const plain = await sut.admin.get(`${list}?page=02&limit=5`);
      expect({ list, status: plain.status, page: plain.body.page, limit: plain.body.limit }).toEqual({ list, status: 200, page: 2, limit: 5 });
    }
    for (const id of ['0x1', '1e0', '1.0', '%201']) {
      const answer = await sut.admin.post(`/api/admin/failed-jobs/${id}/retry`);
      expect({ id, status: answer.status, code: answer.body.error?.code }).toEqual({ id, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await sut.admin.post('/api/admin/failed-jobs/1/retry')).body.error.code).toBe('NOT_FOUND');
  });

  it('names the field at fault in an order body, and asks for "items or fromCart" only when the body is neither', async () => {
    const before = await inventoryOf(sut.admin, sku);
    const issuesOf = async (body: unknown) => {
      const answer = await buyer.post('/api/orders', body, { headers: { 'idempotency-key': 'issues' } });
      expect(answer.status).toBe(400);
      return (answer.body.error.details.issues as { path: string; message: string }[]).map((issue) => issue.path).sort();
    };
    expect(await issuesOf({ items: [{ sku, quantity: '1' }] })).toEqual(['/items/0/quantity']);
    expect(await issuesOf({ items: Array.from({ length: 51 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 })) })).toEqual(['/items']);
    // Whether a postal code is needed depends on the country, which is missing too.
    expect(await issuesOf({ items: [line()], shippingAddress: { name: 'A' } })).toEqual([
      '/shippingAddress/city',
      '/shippingAddress/country',
      '/shippingAddress/line1',
    ]);
    expect(await issuesOf({ items: [line()], shippingAddress: { name: 'A', country: 'FR' } })).toEqual([
      '/shippingAddress/city',
      '/shippingAddress/line1',
      '/shippingAddress/postalCode',
    ]);
    expect(await issuesOf({ fromCart: true, customerEmail: 'not an email' })).toEqual(['/customerEmail']);
    expect(await issuesOf({ fromCart: false })).toEqual(['/fromCart']);
    // Two capitals that name no country (a pseudo-locale's included).
    for (const country of ['QQ', 'ZZ', 'XA']) {
      const address = { name: 'A', line1: 'x', city: 'y', postalCode: '1', country };
      expect(await issuesOf({ items: [line()], shippingAddress: address })).toEqual(['/shippingAddress/country']);
    }
    // A region is optional, and no longer than a region's name.
    const inTexas = { name: 'A', line1: 'x', city: 'Austin', postalCode: '78701', country: 'US' };
    expect(await issuesOf({ items: [line()], shippingAddress: { ...inTexas, region: 'T'.repeat(101) } })).toEqual(['/shippingAddress/region']);
    expect(await issuesOf({ items: [line()], shippingAddress: { ...inTexas, region: 7 } })).toEqual(['/shippingAddress/region']);
    // Neither shape nearer: the rule itself.
    for (const body of [{}, { items: [line()], fromCart: true }]) {
      const answer = await buyer.post('/api/orders', body, { headers: { 'idempotency-key': 'issues' } });
      expect(answer.body.error.details.issues).toEqual([{ in: 'body', path: '/', message: 'give either items or fromCart: true' }]);
    }
    expect(await inventoryOf(sut.admin, sku)).toEqual(before);
  });

  it('holds a postal code to its country’s format where it is known, asks none where the country uses none, and stores nothing refused', async () => {
    const before = await inventoryOf(sut.admin, sku);
    const address = (country: string, postalCode?: string) => ({
      name: 'A',
      line1: 'x',
      city: 'y',
      country,
      ...(postalCode === undefined ? {} : { postalCode }),
    });
    const refusal = async (shippingAddress: unknown) => {
      const answer = await buyer.post('/api/orders', { items: [line()], shippingAddress }, { headers: { 'idempotency-key': 'postal' } });
      expect(answer.status).toBe(400);
      return answer.body.error.details.issues;
    };
    expect(await refusal(address('US', 'ABC12'))).toEqual([
      { in: 'body', path: '/shippingAddress/postalCode', message: 'not a postal code of United States, which are written like 94103' },
    ]);
    expect(await refusal(address('DE'))).toEqual([
      { in: 'body', path: '/shippingAddress/postalCode', message: 'a postal code is needed for an address in Germany' },
    ]);
    expect(await refusal(address('GB', '   '))).toEqual([
      { in: 'body', path: '/shippingAddress/postalCode', message: 'a postal code is needed for an address in United Kingdom' },
    ]);
    expect(await inventoryOf(sut.admin, sku)).toEqual(before);

    // Written as people write them: any case, with or without the space; any code where the format is not known.
    const [buyerElsewhere] = await guests(sut.system.url!, 1);
    const accepted = async (shippingAddress: ReturnType<typeof address>, key: string) => {
      const placed = await buyerElsewhere!.order([line()], key, { shippingAddress });
      expect(placed.status).toBe(202);
      return (await buyerElsewhere!.get(`/api/orders/${placed.body.id}`)).body.shippingAddress;
    };
    expect(await accepted(address('GB', 'sw1a1aa'), 'gb')).toMatchObject({ postalCode: 'sw1a1aa' });
    expect(await accepted(address('US', '94103-1234'), 'us')).toMatchObject({ postalCode: '94103-1234' });
    expect(await accepted(address('IE', 'anything 1'), 'ie')).toMatchObject({ postalCode: 'anything 1' });
    // None in Hong Kong: absent or empty, the order keeps none.
    expect(await accepted(address('HK'), 'hk')).toEqual(address('HK'));
    expect(await accepted(address('AE', ''), 'ae')).toEqual(address('AE'));
  });

  it('takes any Idempotency-Key of 1-255 printable characters, spaces included, and says when one is too long', async () => {
    const [owner] = await guests(sut.system.url!, 1);
    const me = await owner!.get('/api/me');
    const keySku = await createProduct(sut.admin, { onHand: 10 });
    const keys = ['a key with spaces', '{stock}:idem:*', `~${'k'.repeat(253)}~`];
    for (const idempotencyKey of keys) {
      const placed = await owner!.order([{ sku: keySku, quantity: 1 }], idempotencyKey);
      expect({ idempotencyKey, status: placed.status }).toEqual({ idempotencyKey, status: 202 });
      expect((await owner!.order([{ sku: keySku, quantity: 1 }], idempotencyKey)).body.id).toBe(placed.body.id);
    }
    // Redis keys carry the key's hash, never the key.
    const { redis, keys: redisKeys } = sut.system.container;
    for (const idempotencyKey of keys) {
      expect(await redis.exists(redisKeys.idempotency(me.body.id, sha256Hex(idempotencyKey)))).toBe(1);
    }
    expect(await redis.keys(`${sut.stores.prefix}:*a key with spaces*`)).toEqual([]);

    // Two Idempotency-Key headers reach the server joined into one valid-looking key ("a1, a2"): refused.
    // (Connection: close, or the exchange would wait for the server's keep-alive timeout to end it.)
    const body = JSON.stringify({ items: [{ sku: keySku, quantity: 1 }] });
    const [twoKeys] = await exchange(Number(new URL(sut.system.url!).port), [
      `POST /api/orders HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer ${owner!.token}\r\nContent-Type: application/json\r\n` +
        `Idempotency-Key: a1\r\nIdempotency-Key: a2\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    ]);
    expect(twoKeys).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: { header: 'idempotency-key' } } } });

    const tooLong = await owner!.order([{ sku: keySku, quantity: 1 }], 'k'.repeat(256));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details.issues[0].message).toBe('the Idempotency-Key header is too long: at most 255 characters');
    expect(await inventoryOf(sut.admin, keySku)).toMatchObject({ gateAvailable: 7 });
  });

  it('says what to send when the Content-Type is missing or wrong', async () => {
    for (const contentType of [null, 'text/plain', 'application/x-www-form-urlencoded']) {
      const answer = await buyer.request('POST', '/api/orders', { rawBody: JSON.stringify({ items: [line()] }), contentType, headers: key });
      expect(answer.status).toBe(415);
      expect(answer.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/json') });
    }
  });

  it('answers a wrong method on a known path with 405 and the methods it has, and an unknown path with 404', async () => {
    const product = await buyer.request('DELETE', `/api/products/${sku}`);
    expect(product.status).toBe(405);
    expect(product.headers.get('allow')).toBe('GET, HEAD');
    expect(product.body.error.code).toBe('METHOD_NOT_ALLOWED');
    const orders = await buyer.request('PUT', '/api/orders', { body: { items: [line()] } });
    expect(orders.status).toBe(405);
    expect(orders.headers.get('allow')).toBe('GET, HEAD, POST');
    const unknown = await buyer.request('DELETE', '/api/no-such-route');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('allow')).toBeNull();
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('answers a file a file-serving route does not have with 404, not a 405 naming the method used', async () => {
    for (const path of ['/docs/static/no-such-file.js', '/admin/queues/static/no-such-file.js']) {
      const missing = await sut.admin.get(path);
      expect({ path, status: missing.status, code: missing.body.error?.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
      expect(missing.headers.get('allow')).toBeNull();
    }
  });

  it('answers what the router refuses in the error format', async () => {
    for (const path of ['/api/products/%zz', `/api/products/${'A'.repeat(101)}`, `/api/orders/${'0'.repeat(5_000)}`]) {
      const answer = await buyer.get(path);
      expect({ path, status: answer.status, code: answer.body.error?.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
      expect(typeof answer.body.error.message).toBe('string');
    }
  });

  it('refuses a body that is not UTF-8 rather than storing replacement characters', async () => {
    const name = Buffer.from([...Buffer.from('{"slug":"latin1","name":"ab'), 0xe9, ...Buffer.from('cd"}')]);
    const answer = await sut.admin.request('POST', '/api/admin/categories', { rawBody: name });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'the body is not valid UTF-8' });
    const categories = await sut.admin.get('/api/categories');
    expect(categories.body.items.map((category: { slug: string }) => category.slug)).not.toContain('latin1');
  });

  it('answers a cancel with a JSON Content-Type and no body like one without either', async () => {
    const [owner] = await guests(sut.system.url!, 1);
    const cancelSku = await createProduct(sut.admin, { onHand: 2 });
    const placed = await owner!.order([{ sku: cancelSku, quantity: 1 }], 'cancel-without-body');
    const cancelled = await owner!.request('POST', `/api/orders/${placed.body.id}/cancel`, { rawBody: '' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
  });

  describe('on a kept-alive connection', () => {
    const refusals: [name: string, request: string, status: number, code: string][] = [
      ['headers over the size limit', `GET /health HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
      ['a control character in a header', 'GET /health HTTP/1.1\r\nHost: t\r\nX-Bad: a\u0001b\r\n\r\n', 400, 'VALIDATION_FAILED'],
    ];

    it.each(refusals)('answers %s in the error format and says Connection: close', async (_name, request, status, code) => {
      const { port } = new URL(sut.system.url!);
      const [first, second] = await exchange(Number(port), ['GET /health HTTP/1.1\r\nHost: t\r\n\r\n', request]);
      expect(first).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(first!.headers.connection).toBe('keep-alive');
      expect(second).toMatchObject({ status, closedByServer: true });
      expect(second!.headers).toMatchObject({ connection: 'close', 'content-type': 'application/json; charset=utf-8' });
      expect(second!.body).toEqual({ error: { code, message: expect.any(String) } });
    });
  });
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** The server closed the connection after this answer. */
  closedByServer: boolean;
}

/**
 * Sends `requests` one after the other on one TCP connection, each once the answer to the one
 * before has arrived, and parses the answers (bodies by Content-Length).
 */
function exchange(port: number, requests: string[]): Promise<RawAnswer[]> {
  return new Promise((resolve, reject) => {
    const answers: RawAnswer[] = [];
    let buffer = Buffer.alloc(0);
    const socket = connect(port, '127.0.0.1', () => socket.write(requests[0]!));
    const takeAnswers = () => {
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [statusLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const headers = Object.fromEntries(
          lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
        );
        const length = Number(headers['content-length']);
        if (buffer.length < end + 4 + length) return;
        const body = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString('utf8'));
        buffer = buffer.subarray(end + 4 + length);
        answers.push({ status: Number(statusLine!.split(' ')[1]), headers, body, closedByServer: false });
        if (answers.length < requests.length) socket.write(requests[answers.length]!);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      takeAnswers();
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const last = answers.at(-1);
      if (last) last.closedByServer = true;
      socket.end();
      resolve(answers);
    });
  });
}
