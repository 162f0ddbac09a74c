import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchDocument, type OpenApiDocument } from './support/contract.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { type Answer, Api, eventually, guests } from './support/http.js';
import { type Auth, type GeneratedRequest, type Hints, RequestGenerator } from './support/request-arbitraries.js';
import { ADMIN, useSystem } from './support/system.js';

/** FUZZ_SEED repeats a run; each run prints its seed when it fails. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
/** Requests sent at once; batches × runs is the size of the run. */
const BATCH = 20;
const RUNS = 150;

/** How often each operation is drawn; the order path most, the password hashers least. */
const WEIGHTS: Record<string, number> = { placeOrder: 12, cancelOrder: 3, getOrder: 3, listOrders: 2, registerUser: 1, loginUser: 1 };

describe('requests generated from the OpenAPI document', () => {
  // The payment simulator too: starting a payment calls it.
  const sut = useSystem({ api: true, worker: true, pspSim: true });
  let document: OpenApiDocument;
  let skus: string[];
  let apis: Record<Auth, Api>;
  const orderIds: string[] = [];

  beforeAll(async () => {
    document = await fetchDocument(sut.system.url!);
    skus = [];
    for (let i = 0; i < 4; i++) skus.push(await createProduct(sut.admin, { onHand: 40, category: 'generated' }));
    const [buyer] = await guests(sut.system.url!, 1);
    apis = { none: new Api(sut.system.url!), buyer: buyer!, admin: sut.admin, badToken: new Api(sut.system.url!, 'not.a.token') };
  });

  const send = (request: GeneratedRequest): Promise<Answer> => {
    const path = request.template.replace(/\{(\w+)\}/g, (_match, name: string) => {
      const value = request.params[name]!;
      if (typeof value === 'string') return value;
      return orderIds.length ? orderIds[value.knownOrder % orderIds.length]! : '00000000-0000-4000-8000-000000000000';
    });
    const url = request.query ? `${path}?${request.query}` : path;
    return apis[request.auth]
      .request(request.method, url, { rawBody: request.body, contentType: request.contentType, headers: request.headers })
      .catch((error: Error) => {
        // fetch says only "fetch failed"; its cause says how the connection ended.
        const cause = error.cause as (Error & { code?: string }) | undefined;
        throw new Error(`${request.method} ${url.slice(0, 300)}: ${error.message}${cause ? ` (${cause.code ?? ''} ${cause.message})` : ''}`);
      });
  };

  it('get no 5xx and no dropped connection, only answers the document describes, and leave the ledger and gates agreeing', async () => {
    const hints: Hints = {
      sku: (fromSchema) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...skus) }, { weight: 1, arbitrary: fromSchema }),
      id: (fromSchema) => fc.oneof({ weight: 3, arbitrary: fc.nat().map((knownOrder) => ({ knownOrder })) }, { weight: 1, arbitrary: fromSchema }),
      'idempotency-key': (fromSchema) => fc.oneof(fromSchema, fc.constantFrom('key-1', 'key-2', 'a key with spaces')),
      email: (fromSchema) => fc.oneof(fromSchema, fc.constant(ADMIN.email)),
      password: (fromSchema) => fc.oneof(fromSchema, fc.constant(ADMIN.password)),
      category: (fromSchema) => fc.oneof(fc.constant('generated'), fromSchema),
      // Mostly countries whose postal codes have no fixed format here (or none at all), so a generated
      // code fits and orders with an address go on to real work; other countries' refuse most of them.
      country: (fromSchema) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom('HK', 'AE', 'IE', 'AR') }, { weight: 1, arbitrary: fromSchema }),
    };
    const generator = new RequestGenerator(document, hints);
    const operations = fc.oneof(
      ...Object.entries(document.paths).flatMap(([template, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({
          weight: WEIGHTS[operation.operationId!] ?? 2,
          arbitrary: generator.requestsFor(method, template, operation),
        })),
      ),
    );

    // Deleting the products the run orders would leave it little to order.
    const requests = operations.filter((request) => !(request.operationId === 'deleteProduct' && skus.includes(String(request.params.sku))));

    const placeOrderStatuses = new Set<number>();
    const run = fc.asyncProperty(fc.array(requests, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const answers = await Promise.all(batch.map(send));
      for (const [index, answer] of answers.entries()) {
        const { operationId } = batch[index]!;
        if (operationId === 'placeOrder') placeOrderStatuses.add(answer.status);
        if (answer.status >= 500) throw new Error(`${operationId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        if (operationId === 'placeOrder' && answer.status === 202 && !orderIds.includes(answer.body.id)) orderIds.push(answer.body.id);
      }
    });
    try {
      await fc.assert(run, { seed: SEED, numRuns: RUNS, endOnFailure: true });
    } catch (error) {
      // fast-check keeps the failing request's own error as the cause.
      const cause = (error as Error).cause instanceof Error ? `\n${((error as Error).cause as Error).message}` : '';
      throw new Error(`generated-request run failed; repeat it with FUZZ_SEED=${SEED}${cause}\n${(error as Error).message}`);
    }

    // The run reached real work, not only refusals.
    expect({ seed: SEED, accepted: placeOrderStatuses.has(202), refused: placeOrderStatuses.has(409) }).toEqual({
      seed: SEED,
      accepted: true,
      refused: true,
    });

    // Once every accepted order is stored (no drift left), the ledger holds what the PENDING ones hold.
    const inventories = await eventually(async () => {
      const all = await Promise.all(skus.map((sku) => inventoryOf(sut.admin, sku)));
      return all.every((inventory) => inventory.drift === 0) ? all : undefined;
    }, `every SKU's gate to agree with its ledger (FUZZ_SEED=${SEED})`);
    const held = new Map<string, number>();
    for (let page = 1, pages = 1; page <= pages; page++) {
      const pending = (await sut.admin.get(`/api/admin/orders?status=PENDING&limit=100&page=${page}`)).body;
      pages = Math.ceil(pending.total / 100);
      for (const order of pending.items) for (const item of order.items) held.set(item.sku, (held.get(item.sku) ?? 0) + item.quantity);
    }
    expect({ seed: SEED, reserved: inventories.map(({ sku, reserved }) => ({ sku, reserved })) }).toEqual({
      seed: SEED,
      reserved: skus.map((sku) => ({ sku, reserved: held.get(sku) ?? 0 })),
    });
  });
});
