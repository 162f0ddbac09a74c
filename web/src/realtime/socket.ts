import { useEffect, useSyncExternalStore } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from './events';

type ShopSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type EventName = keyof ServerToClientEvents;
type AnyListener = (payload: never) => void;

const EVENTS: readonly EventName[] = ['cart:update', 'order:update', 'stock:update', 'product:update'];

/** How long a visitor's connection stays open with nothing watched. */
const VISITOR_IDLE_CLOSE_MS = 30_000;

/**
 * One Socket.IO connection per tab, on the API's own origin, authenticated with the caller's token
 * (a new token, after sign-in, means a new connection). Listeners are kept here rather than on the
 * socket, so they outlive a change of token. Product pages ask for a SKU's stock with
 * `product:watch`; the watches are counted and sent again after every reconnection, since the
 * server forgets a socket's rooms when it drops. A visitor without a session connects without a
 * token once a page watches a product: the stock is live for them too, not polled every 10 s.
 */
class RealtimeConnection {
  private socket: ShopSocket | undefined;
  private token: string | undefined;
  private readonly listeners = new Map<EventName, Set<AnyListener>>();
  private readonly watched = new Map<string, number>();
  /** Closes a visitor's connection a while after it last watched anything (not between two pages). */
  private idleClose: ReturnType<typeof setTimeout> | undefined;
  private readonly stateListeners = new Set<() => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private onRefused: () => void = () => undefined;

  /** Connects with `token`; without one, only while products are watched. */
  setToken(token: string | undefined): void {
    if (token === this.token) return;
    this.token = token;
    this.reconnect();
  }

  private reconnect(): void {
    clearTimeout(this.idleClose);
    this.socket?.disconnect();
    this.socket = this.token !== undefined || this.watched.size > 0 ? this.open(this.token) : undefined;
    this.notifyState();
  }

  private open(token: string | undefined): ShopSocket {
    // WebSocket first; where it is blocked (a proxy that drops the upgrade), HTTP long-polling. Without
    // tryAllTransports a failed WebSocket is a failed connection, retried as a WebSocket for ever.
    const socket: ShopSocket = io({ auth: token === undefined ? {} : { token }, transports: ['websocket', 'polling'], tryAllTransports: true });
    for (const event of EVENTS) {
      socket.on(event, ((payload: never) => {
        for (const listener of this.listeners.get(event) ?? []) listener(payload);
      }) as never);
    }
    socket.on('connect', () => {
      for (const sku of this.watched.keys()) socket.emit('product:watch', { sku });
      // Events sent while the connection was down are lost: whoever shows server state refetches it.
      for (const listener of this.reconnectListeners) listener();
      this.notifyState();
    });
    socket.on('disconnect', () => this.notifyState());
    // The token expired (the server closes the connection then) or was never good: the handshake is
    // refused, and Socket.IO does not try again. Nothing on a page that does not poll would notice.
    socket.on('connect_error', (error: Error & { data?: { code?: unknown } }) => {
      if (socket === this.socket && error.data?.code === 'UNAUTHENTICATED') this.onRefused();
    });
    return socket;
  }

  /** What to do when the server refuses this connection's token, as an HTTP 401 does. */
  onUnauthenticated(listener: () => void): void {
    this.onRefused = listener;
  }

  get connected(): boolean {
    return this.socket?.connected === true;
  }

  on<E extends EventName>(event: E, listener: ServerToClientEvents[E]): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener as AnyListener);
    return () => set.delete(listener as AnyListener);
  }

  /** Calls `listener` after each (re)connection, when events may have been missed. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Receives `stock:update` for `sku` until the returned function is called. */
  watchProduct(sku: string): () => void {
    const count = this.watched.get(sku) ?? 0;
    this.watched.set(sku, count + 1);
    clearTimeout(this.idleClose);
    // The first watch of a visitor without a session opens the connection, which sends it on connecting.
    if (count === 0 && this.socket) this.socket.emit('product:watch', { sku });
    else if (count === 0) this.reconnect();
    return () => {
      const left = (this.watched.get(sku) ?? 1) - 1;
      if (left > 0) {
        this.watched.set(sku, left);
        return;
      }
      this.watched.delete(sku);
      this.socket?.emit('product:unwatch', { sku });
      // A visitor without a session no longer following any stock: the connection goes, unless the
      // next page watches something soon (leaving one product page for another unwatches first).
      if (this.token === undefined && this.watched.size === 0) {
        clearTimeout(this.idleClose);
        this.idleClose = setTimeout(() => {
          if (this.token === undefined && this.watched.size === 0) this.reconnect();
        }, VISITOR_IDLE_CLOSE_MS);
      }
    };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  private notifyState(): void {
    for (const listener of this.stateListeners) listener();
  }
}

export const realtime = new RealtimeConnection();

/** Whether the live connection is up (pages poll while it is not). */
export function useRealtimeConnected(): boolean {
  return useSyncExternalStore(realtime.subscribe, () => realtime.connected);
}

/** Runs `listener` for each `event` while the component is mounted; `listener` should be stable. */
export function useRealtimeEvent<E extends EventName>(event: E, listener: ServerToClientEvents[E]): void {
  useEffect(() => realtime.on(event, listener), [event, listener]);
}

/** Watches the stock of every SKU in `skus` while the component is mounted (the products a list shows). */
export function useWatchProducts(skus: readonly string[]): void {
  // One effect per set of SKUs, not per array: a list refetched with the same products keeps its watches.
  const key = skus.join('\n');
  useEffect(() => {
    const unwatch = key ? key.split('\n').map((sku) => realtime.watchProduct(sku)) : [];
    return () => {
      for (const stop of unwatch) stop();
    };
  }, [key]);
}
