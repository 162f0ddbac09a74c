/**
 * The part of autocannon 9 the benchmark uses. The package ships no types and @types/autocannon
 * lags behind it, so this declares only what bench/load.ts calls, as autocannon's source has it.
 */
declare module 'autocannon' {
  interface RequestParams {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }

  interface Request extends RequestParams {
    /** Called before every request; what it returns is what gets sent. */
    setupRequest?: (request: RequestParams, context: Record<string, unknown>) => RequestParams;
  }

  /** One connection. */
  interface Client {
    /** The requests this connection sends, in turn and then over again; each built once, here. */
    setRequests(requests: Request[]): void;
  }

  interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    pipelining?: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: Request[];
    /** Called with each connection as it is made. */
    setupClient?: (client: Client) => void;
  }

  interface Result {
    /** Seconds, as measured by autocannon. */
    duration: number;
    errors: number;
    timeouts: number;
    resets: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
  }

  interface Instance {
    /** `responseTime` is in milliseconds. */
    on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): this;
    stop(): void;
  }

  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance;

  export = autocannon;
}
