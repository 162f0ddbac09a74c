import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** One request of a load phase: what varies from request to request. */
export interface VaryingRequest {
  headers: Record<string, string>;
  body?: string;
}

export interface LoadPhase {
  /** Base URL of the API, without a trailing slash. */
  baseUrl: string;
  method: 'GET' | 'POST';
  path: string;
  connections: number;
  durationSeconds: number;
  /**
   * Called once per request; without it every request is the same bare one. Builds each request
   * anew in the load generator, which shares the machine's cores with the server under test.
   */
  nextRequest?: () => VaryingRequest;
  /**
   * The requests connection `connection` (0-based) sends, in turn and then over again: each is built
   * once, before the load, so the load generator sends them at the cost of the one bare request
   * (`GET /health`'s) rather than building each (which cost it 1.5 to 1.7 times the CPU of a bare
   * one, CPU taken from the server under test on a two-core machine).
   */
  requestsOf?: (connection: number) => VaryingRequest[];
}

/** Milliseconds. */
export interface Latency {
  p50: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  durationSeconds: number;
  responses: number;
  requestsPerSecond: number;
  latency: Latency;
  /** Responses and latency per HTTP status. */
  statuses: Map<number, { count: number; latency: Latency }>;
  /** Connection errors and timeouts: requests whose outcome the load generator never saw. */
  errors: number;
  timeouts: number;
}

const latencyOf = (histogram: RecordableHistogram): Latency => ({
  p50: histogram.percentile(50) / 1_000,
  p99: histogram.percentile(99) / 1_000,
  max: histogram.max / 1_000,
});

/**
 * Adds to carts, one unit per request (bench/add-to-cart.ts, bench/allocations.ts): each connection
 * its own buyers (`authorizations`, `Bearer` headers), each buyer's next unit to its next product,
 * so carts grow line by line.
 */
export function addToCartLoad(
  baseUrl: string,
  authorizations: readonly string[],
  skus: readonly string[],
  connections: number,
  durationSeconds: number,
): LoadPhase {
  const bodies = skus.map((sku) => JSON.stringify({ sku, quantity: 1 }));
  return buyersPosting({ baseUrl, path: '/api/cart/items', connections, durationSeconds }, authorizations, (mine) =>
    bodies.flatMap((body) => mine.map((authorization) => ({ headers: { authorization, 'content-type': 'application/json' }, body }))),
  );
}

/**
 * POSTs built before the load, each connection sending for its own share of the buyers (`Bearer`
 * headers), so no two connections act for one buyer at once.
 */
function buyersPosting(
  phase: Pick<LoadPhase, 'baseUrl' | 'path' | 'connections' | 'durationSeconds'>,
  authorizations: readonly string[],
  requestsOf: (mine: string[], connection: number) => VaryingRequest[],
): LoadPhase {
  const share = Math.min(phase.connections, authorizations.length);
  return {
    ...phase,
    method: 'POST',
    requestsOf: (connection) =>
      requestsOf(
        authorizations.filter((_, buyer) => buyer % share === connection % share),
        connection,
      ),
  };
}

/** The SKU the bare route is asked for (bench/bare-route-server.ts): its gate holds 0, so every order is refused. */
export const BARE_SKU = 'BARE';

/**
 * Orders of one unit from the bare route (bench/bare-route-server.ts), built before the load as
 * addToCartLoad's are, so the two cost the load generator the same: each connection its own buyers'
 * `Bearer` headers and its own idempotency keys (the bare route reads a key's record, never writes one).
 */
export function bareRouteOrdersLoad(baseUrl: string, authorizations: readonly string[], connections: number, durationSeconds: number): LoadPhase {
  const body = JSON.stringify({ items: [{ sku: BARE_SKU, quantity: 1 }] });
  return buyersPosting({ baseUrl, path: '/api/orders', connections, durationSeconds }, authorizations, (mine, connection) =>
    mine.map((authorization, i) => ({
      headers: { authorization, 'content-type': 'application/json', 'idempotency-key': `bare-${connection}-${i}` },
      body,
    })),
  );
}

/**
 * Drives one endpoint with autocannon for a fixed time. Latency is recorded here in microseconds,
 * per status, because autocannon's own histogram keeps whole milliseconds only.
 */
export function runLoad(phase: LoadPhase): Promise<LoadResult> {
  const all = createHistogram();
  const byStatus = new Map<number, RecordableHistogram>();
  const { nextRequest, requestsOf } = phase;
  let connections = 0;

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: phase.baseUrl + phase.path,
        connections: phase.connections,
        duration: phase.durationSeconds,
        timeout: 10,
        requests: [
          {
            method: phase.method,
            path: phase.path,
            ...(nextRequest
              ? {
                  setupRequest: (request) => {
                    const varying = nextRequest();
                    return { ...request, headers: { ...request.headers, ...varying.headers }, body: varying.body ?? '' };
                  },
                }
              : {}),
          },
        ],
        ...(requestsOf
          ? {
              setupClient: (client) => {
                const method = phase.method;
                client.setRequests(requestsOf(connections++).map(({ headers, body }) => ({ method, path: phase.path, headers, body: body ?? '' })));
              },
            }
          : {}),
      },
      (error, result) => {
        if (error) return reject(error);
        let responses = 0;
        for (const { count } of Object.values(result.statusCodeStats)) responses += count;
        resolve({
          durationSeconds: result.duration,
          responses,
          requestsPerSecond: responses / result.duration,
          latency: latencyOf(all),
          statuses: new Map([...byStatus].map(([status, histogram]) => [status, { count: histogram.count, latency: latencyOf(histogram) }])),
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      const micros = Math.max(1, Math.round(responseTime * 1_000));
      all.record(micros);
      let histogram = byStatus.get(statusCode);
      if (!histogram) {
        histogram = createHistogram();
        byStatus.set(statusCode, histogram);
      }
      histogram.record(micros);
    });
  });
}

/** Answers per second over several phases together: every answer over every phase's time. */
export function pooledRate(results: LoadResult[]): number {
  const answers = results.reduce((sum, result) => sum + result.responses, 0);
  return answers / results.reduce((sum, result) => sum + result.durationSeconds, 0);
}
