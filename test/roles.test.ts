import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct } from './support/fixtures.js';
import { Api, adminApi, eventually, guests } from './support/http.js';
import { mailsTo } from './support/payments.js';
import { freePort } from './support/stores.js';
import { type ChildRole, createTestStores, spawnRole, type TestStores } from './support/system.js';

describe('the all role: API, workers, payment simulator and SMTP sink in one process', () => {
  let stores: TestStores;
  let all: ChildRole;
  let admin: Api;

  beforeAll(async () => {
    stores = await createTestStores();
    // PORT, PSP_SIM_PORT and SMTP_SINK_PORT are 0: each server takes a free port and the others find it.
    all = await spawnRole(stores, 'all');
    admin = await adminApi(all.url!);
  });

  afterAll(async () => {
    await all?.kill();
    await stores?.cleanup();
  });

  it('takes a payment from the checkout page to a confirmation mail, and stops cleanly on SIGTERM', async () => {
    const sku = await createProduct(admin, { onHand: 3 });
    const [buyer] = await guests(all.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'all-role', { customerEmail: 'all-role@example.test' });
    const payment = await buyer!.post(`/api/orders/${placed.body.id}/payment`);
    expect(payment.status).toBe(201);
    expect((await fetch(`${payment.body.checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    const confirmed = (order: { history: { status: string }[] }) => order.history.some((entry) => entry.status === 'CONFIRMED');
    await eventually(async () => (confirmed((await buyer!.get(`/api/orders/${placed.body.id}`)).body) ? true : undefined), 'CONFIRMED');
    await mailsTo(admin, 'all-role@example.test', /^Payment confirmed/);

    await all.kill('SIGTERM');
    expect(all.child.exitCode).toBe(0);
    expect(all.output()).toContain('"msg":"shutting down"');
  });
});

describe('the roles run apart: api, worker and smtp-sink', () => {
  it('delivers the mail of a worker without SMTP_URL to the smtp-sink process, where the admin reads it', async () => {
    const stores = await createTestStores();
    // The worker finds the sink by its port, so it is a fixed one here rather than 0.
    const sinkPort = { SMTP_SINK_PORT: String(await freePort()) };
    const roles: ChildRole[] = [];
    try {
      roles.push(await spawnRole(stores, 'smtp-sink', sinkPort));
      const api = await spawnRole(stores, 'api', sinkPort);
      roles.push(api);
      const worker = await spawnRole(stores, 'worker', sinkPort);
      roles.push(worker);
      const admin = await adminApi(api.url!);
      const sku = await createProduct(admin, { onHand: 2 });
      const [buyer] = await guests(api.url!, 1);
      const placed = await buyer!.order([{ sku, quantity: 1 }], 'apart', { customerEmail: 'apart@example.test' });
      expect(placed.status).toBe(202);
      await mailsTo(admin, 'apart@example.test', new RegExp(`^Order ${placed.body.id} received`));
      // A worker started without a sink of its own and without SMTP_URL says where its mail goes.
      expect(worker.output()).toContain(`SMTP_URL is not set: mail goes to the built-in SMTP sink at 127.0.0.1:${sinkPort.SMTP_SINK_PORT}`);
    } finally {
      for (const role of roles.reverse()) await role.kill('SIGTERM');
      await stores.cleanup();
    }
    expect(roles.map((role) => role.child.exitCode)).toEqual([0, 0, 0]);
  });
});

describe('the psp-sim role', () => {
  it('runs the payment simulator alone, without Postgres or Redis', async () => {
    const stores = await createTestStores();
    const unreachable = await freePort();
    const sim = await spawnRole(stores, 'psp-sim', {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${unreachable}/none`,
      REDIS_URL: `redis://127.0.0.1:${unreachable}`,
    });
    try {
      const created = await Api.unchecked(sim.url!).post('/v1/payments', { orderId: 'order-1', amountCents: 500, currency: 'EUR' });
      expect(created.status).toBe(201);
      expect(created.body.checkoutUrl).toContain(`${sim.url}/checkout/`);
    } finally {
      await sim.kill('SIGTERM');
      await stores.cleanup();
    }
    expect(sim.child.exitCode).toBe(0);
  });
});

describe('the queue board', () => {
  let stores: TestStores;
  let api: ChildRole;
  let admin: Api;
  let guestToken: string;
  let customerToken: string;

  beforeAll(async () => {
    stores = await createTestStores();
    api = await spawnRole(stores, 'api');
    admin = await adminApi(api.url!);
    guestToken = (await new Api(api.url!).post('/api/auth/guest')).body.token;
    customerToken = (await new Api(api.url!).post('/api/auth/register', { email: 'board-customer@example.test', password: 'a-long-password' })).body
      .token;
  });

  afterAll(async () => {
    await api?.kill();
    await stores?.cleanup();
  });

  const board = (path: string, init: RequestInit = {}) => fetch(`${api.url}/admin/queues${path}`, { redirect: 'manual', ...init });
  /** Posts the handover form as a browser does: `token=…`, form-encoded. */
  const postForm = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    board('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const BOARD_COOKIE = /^fc_queue_board=[^;]+; Path=\/admin\/queues; HttpOnly; SameSite=Strict; Max-Age=\d+$/;

  it('is closed to anyone without an admin token', async () => {
    expect((await board('')).status).toBe(401);
    expect((await board('/api/queues')).status).toBe(401);
    expect((await board('', { headers: { authorization: `Bearer ${guestToken}` } })).status).toBe(403);
    expect((await board(`?token=${guestToken}`)).status).toBe(403);
    expect((await board('?token=forged')).status).toBe(401);
    expect((await board('/api/queues', { headers: { cookie: 'fc_queue_board=forged' } })).status).toBe(401);
  });

  it('answers a cookie that is not percent-encoded text with 401 in the error format, not 500', async () => {
    // decodeURIComponent throws on these; the board's own error handler once answered 500 with its message.
    for (const value of ['%', '%E0%A4%A', 'abc%zz']) {
      const answer = await board('/api/queues', { headers: { cookie: `fc_queue_board=${value}` } });
      expect({ value, status: answer.status, body: await answer.json() }).toEqual({
        value,
        status: 401,
        body: { error: { code: 'UNAUTHENTICATED', message: expect.any(String) } },
      });
    }
  });

  it('lets an admin in with a header, or with a token given once that it keeps in an HttpOnly cookie of its own path', async () => {
    const withHeader = await board('/api/queues', { headers: { authorization: `Bearer ${admin.token}` } });
    expect(withHeader.status).toBe(200);
    const { queues } = (await withHeader.json()) as { queues: { name: string }[] };
    expect(queues.map((queue) => queue.name).sort()).toEqual(['carts', 'maintenance', 'notifications', 'outbox', 'vendors']);

    const handover = await board(`?token=${admin.token}`);
    expect(handover.status).toBe(303);
    expect(handover.headers.get('location')).toBe('/admin/queues');
    const cookie = handover.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^fc_queue_board=[^;]+; Path=\/admin\/queues; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const page = await board('', { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('lets an admin in from a form posted once, keeping the token out of every address', async () => {
    const handover = await postForm({ token: admin.token! });
    expect(handover.status).toBe(303);
    expect(handover.headers.get('location')).toBe('/admin/queues');
    const cookie = handover.headers.get('set-cookie')!;
    expect(cookie).toMatch(BOARD_COOKIE);
    const session = { cookie: cookie.split(';')[0]! };
    expect((await board('/api/queues', { headers: session })).status).toBe(200);
    const page = await board('', { headers: session });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');

    // A script may post nothing and send the header instead; the cookie it gets holds that token.
    const byHeader = await board('/session', { method: 'POST', headers: { authorization: `Bearer ${admin.token}` } });
    expect(byHeader.status).toBe(303);
    const headerCookie = byHeader.headers.get('set-cookie')!;
    expect(headerCookie).toMatch(BOARD_COOKIE);
    expect((await board('/api/queues', { headers: { cookie: headerCookie.split(';')[0]! } })).status).toBe(200);
  });

  it("shows Redis's state and a job's page, which its pages ask for (bull-board read a client BullMQ 6 no longer has)", async () => {
    const asAdmin = { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' };
    const redis = await board('/api/redis/stats', { headers: asAdmin });
    expect(redis.status).toBe(200);
    expect(await redis.json()).toMatchObject({ version: expect.stringMatching(/^\d+\./), memory: { used: expect.any(Number) } });

    // The api role runs no worker: the job stays where the board can show it.
    const added = await board('/api/queues/maintenance/add', {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ name: 'board-probe', data: {}, options: { jobId: 'board-probe' } }),
    });
    expect(added.status).toBe(200);
    const flow = await board('/api/queues/maintenance/board-probe/flow', { headers: asAdmin });
    expect({ status: flow.status, body: await flow.json() }).toMatchObject({ status: 200, body: { nodeId: 'board-probe' } });
  });

  it("answers a board call's missing, malformed or bad body with 400 in the error format, and adds no job", async () => {
    const asAdmin = { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' };
    const send = async (method: string, path: string, body?: string) => {
      const answer = await board(path, { method, headers: body === undefined ? { authorization: asAdmin.authorization } : asAdmin, body });
      return { path, body, status: answer.status, error: ((await answer.json()) as { error: unknown }).error };
    };
    const waiting = async () => {
      const answer = await board('/api/queues?activeQueue=maintenance&status=waiting', { headers: asAdmin });
      const { queues } = (await answer.json()) as { queues: { name: string; counts: Record<string, number> }[] };
      return queues.find((queue) => queue.name === 'maintenance')!.counts.waiting;
    };
    const before = await waiting();
    const refusal = { code: 'VALIDATION_FAILED', message: expect.any(String), details: { issues: expect.any(Array) } };
    for (const [method, path, body] of [
      ['POST', '/api/queues/maintenance/add', undefined],
      ['POST', '/api/queues/maintenance/add', '{}'],
      ['POST', '/api/queues/maintenance/add', '{"name":5}'],
      ['PUT', '/api/queues/maintenance/concurrency', undefined],
      ['PUT', '/api/queues/maintenance/concurrency', '{"concurrency":"many"}'],
    ] as const) {
      expect(await send(method, path, body)).toEqual({ path, body, status: 400, error: refusal });
    }
    expect(await send('POST', '/api/queues/maintenance/add', '{"name":')).toEqual({
      path: '/api/queues/maintenance/add',
      body: '{"name":',
      status: 400,
      error: { code: 'VALIDATION_FAILED', message: expect.any(String) },
    });
    expect(await waiting()).toBe(before);
  });

  it('refuses the form, and sets no cookie, for anyone without an admin token', async () => {
    const refusals = [
      { sent: 'a customer token', answer: await postForm({ token: customerToken }), status: 403, code: 'FORBIDDEN' },
      { sent: 'a guest token', answer: await postForm({ token: guestToken }), status: 403, code: 'FORBIDDEN' },
      { sent: 'a customer header', answer: await postForm({}, { authorization: `Bearer ${customerToken}` }), status: 403, code: 'FORBIDDEN' },
      { sent: 'a forged token', answer: await postForm({ token: 'forged' }), status: 401, code: 'UNAUTHENTICATED' },
      {
        sent: 'bad percent-encoding',
        answer: await board('/session', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'token=%zz%E0%A4%A',
        }),
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      { sent: 'an empty token', answer: await postForm({ token: '' }), status: 401, code: 'UNAUTHENTICATED' },
      { sent: 'an empty form', answer: await postForm({}), status: 401, code: 'UNAUTHENTICATED' },
      { sent: 'nothing', answer: await board('/session', { method: 'POST' }), status: 401, code: 'UNAUTHENTICATED' },
    ];
    for (const { sent, answer, status, code } of refusals) {
      expect({ sent, status: answer.status, body: await answer.json(), cookie: answer.headers.get('set-cookie') }).toEqual({
        sent,
        status,
        body: { error: { code, message: expect.any(String) } },
        cookie: null,
      });
    }
  });

  it('answers a body it does not take with a 4xx in the error format, and no cookie, even around an admin token', async () => {
    const token = admin.token!;
    const post = (contentType: string, body: string) => board('/session', { method: 'POST', headers: { 'content-type': contentType }, body });
    const refusals = [
      // fetch sends a Blob without a type with no Content-Type at all.
      {
        sent: 'a form without its type',
        answer: await board('/session', { method: 'POST', body: new Blob([`token=${token}`]) }),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      { sent: 'JSON', answer: await post('application/json', JSON.stringify({ token })), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { sent: 'text', answer: await post('text/plain', `token=${token}`), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      {
        sent: 'multipart',
        answer: await post('multipart/form-data; boundary=x', `--x\r\ncontent-disposition: form-data; name="token"\r\n\r\n${token}\r\n--x--\r\n`),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        sent: 'two tokens',
        answer: await post('application/x-www-form-urlencoded', `token=${token}&token=${token}`),
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      { sent: 'another field', answer: await postForm({ token, role: 'admin' }), status: 400, code: 'VALIDATION_FAILED' },
      { sent: 'an oversized form', answer: await postForm({ token: 'x'.repeat(64 * 1024) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    ];
    for (const { sent, answer, status, code } of refusals) {
      expect({
        sent,
        status: answer.status,
        code: ((await answer.json()) as { error: { code: string } }).error.code,
        cookie: answer.headers.get('set-cookie'),
      }).toEqual({
        sent,
        status,
        code,
        cookie: null,
      });
    }
  });
});
