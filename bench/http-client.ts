import { Agent, request } from 'node:http';

/**
 * The benchmarks' own HTTP client for request-by-request loads: `node:http` on keep-alive
 * connections, not `fetch`. On two cores the load generator shares the CPU with the system it
 * measures, and `fetch` (its web streams) cost it about 0.5 ms per request, several times this.
 */
export class KeepAliveClient {
  private readonly agent: Agent;

  constructor(connections: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /** One request; the answer's status and body as text. */
  send(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: init.method,
          agent: this.agent,
          headers: { ...init.headers, ...(init.body !== undefined ? { 'content-length': Buffer.byteLength(init.body) } : {}) },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(init.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
