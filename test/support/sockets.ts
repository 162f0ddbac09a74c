import { io, type Socket } from 'socket.io-client';

/** A Socket.IO client of the API under test that keeps every event it receives, in order. */
export class TestSocket {
  readonly socket: Socket;
  readonly received: { event: string; payload: any }[] = [];

  constructor(baseUrl: string, auth: Record<string, unknown>, options: { reconnection?: boolean; extraHeaders?: Record<string, string> } = {}) {
    this.socket = io(baseUrl, {
      auth,
      transports: ['websocket'],
      forceNew: true,
      reconnection: options.reconnection ?? false,
      ...(options.extraHeaders ? { extraHeaders: options.extraHeaders } : {}),
    });
    this.socket.onAny((event: string, payload: unknown) => this.received.push({ event, payload }));
  }

  /** Resolves once connected; rejects with the server's refusal (connect_error). */
  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', (error) => reject(error));
    });
  }

  /** The first event (already received or to come) of that name that `matches`; fails after `timeoutMs`. */
  next<T = any>(event: string, matches: (payload: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const seen = this.received.find((entry) => entry.event === event && matches(entry.payload));
      if (seen) return resolve(seen.payload);
      const timer = setTimeout(() => {
        this.socket.off(event, listener);
        reject(new Error(`no ${event} matching within ${timeoutMs} ms; received ${JSON.stringify(this.received.map((e) => e.event))}`));
      }, timeoutMs);
      const listener = (payload: T) => {
        if (!matches(payload)) return;
        clearTimeout(timer);
        this.socket.off(event, listener);
        resolve(payload);
      };
      this.socket.on(event, listener);
    });
  }

  /** Emits with an acknowledgement and resolves with the server's answer. */
  request<T = any>(event: string, payload: unknown, timeoutMs = 15_000): Promise<T> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
  }

  close(): void {
    this.socket.disconnect();
  }
}
