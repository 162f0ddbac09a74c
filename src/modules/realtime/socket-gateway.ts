import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { AppError, type ErrorBody, errorPayload } from '../../lib/errors.js';
import type { CartStore } from '../../redis/cart-store.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { AuthService } from '../auth/auth.service.js';
import type { AuthUser } from '../auth/auth.types.js';
import type { CartService } from '../carts/carts.service.js';
import type { ProductCache } from '../catalog/product-cache.js';
import { skuSchema } from '../catalog/sku.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { channelParser, productRoom, type ServerEvents, type StockUpdate, userRoom } from './realtime.js';

export interface SocketGatewayDeps {
  auth: Pick<AuthService, 'authenticate'>;
  carts: Pick<CartService, 'read'>;
  products: Pick<ProductCache, 'get'>;
  stock: Pick<StockStore, 'gates'>;
  inventory: Pick<InventoryService, 'ensureGate'>;
  /** Where each user's connected sockets are recorded, so cart changes are pushed only to owners online. */
  presence: Pick<CartStore, 'socketConnected' | 'socketDisconnected' | 'refreshPresence'>;
  /** Names this instance in the presence records. */
  instanceId: string;
  /** Connections of the gateway's own: one publishes, the other is put in subscriber mode. */
  redis: { pub: Redis; sub: Redis };
  /** Prefix of the adapter's pub/sub channels; the Redis emitter of every process uses the same. */
  channelPrefix: string;
  /** Each product watched on this instance is sampled this often: at most one stock:update per interval. */
  stockUpdateIntervalMs: number;
  /** VISITOR_SOCKETS_PER_ADDRESS: sockets without a token one address may hold open here; 0: no cap. */
  visitorSocketsPerAddress: number;
  /** The client's address of a handshake, as HTTP reads it under TRUST_PROXY. */
  clientAddress: (request: IncomingMessage) => string;
  logger: Logger;
}

/** Products one socket may watch at once: rooms cost memory on every instance. */
const MAX_WATCHED_PRODUCTS = 100;

/**
 * How long a user's presence outlives its last refresh: an instance that dies leaves it this long
 * (cart pushes for that user keep being published meanwhile, to nobody). Refreshed every third of it.
 */
const PRESENCE_TTL_SECONDS = 180;

const watchPayload = z.object({ sku: skuSchema }).strict();

type WatchAck = (answer: StockUpdate | ErrorBody) => void;
type UnwatchAck = (answer: { sku: string } | ErrorBody) => void;

/** What clients send; payloads are checked here, so they are unknown until then. */
interface ClientToServerEvents {
  'product:watch': (payload: unknown, ack?: WatchAck) => void;
  'product:unwatch': (payload: unknown, ack?: UnwatchAck) => void;
}

type ServerToClientEvents = { [E in keyof ServerEvents]: (payload: ServerEvents[E]) => void };

interface SocketData {
  /** The caller; undefined for a visitor who connected without a token, to follow stock only. */
  user: AuthUser | undefined;
}

type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * An event's payload and acknowledgement (none when the client asked for none). Sent without a
 * payload, the acknowledgement comes first: it is answered with the refusal rather than left
 * waiting for ever.
 */
function payloadAndAck<A>([first, second]: unknown[]): [payload: unknown, ack: A | undefined] {
  if (typeof first === 'function') return [undefined, first as A];
  return [first, typeof second === 'function' ? (second as A) : undefined];
}

/** The SKU a product:watch or product:unwatch names; undefined, and the refusal acknowledged, when it names none. */
function skuOf(payload: unknown, reply: ((answer: ErrorBody) => void) | undefined): string | undefined {
  const parsed = watchPayload.safeParse(payload);
  if (parsed.success) return parsed.data.sku;
  reply?.(errorPayload('VALIDATION_FAILED', 'send {sku} with a valid SKU'));
  return undefined;
}

/**
 * Socket.IO on the API's own HTTP server. The handshake carries the same bearer token as HTTP
 * (`auth: {token}`); each socket joins its user's room and gets its cart at once, so a client that
 * reconnects is current without asking. A socket without a token may only watch products. Events
 * emitted from any process reach it through the Redis adapter (see RedisEmitterRealtime).
 *
 * `stock:update` is sampled, not pushed on every change: every `stockUpdateIntervalMs` the instance
 * reads the gates of the products its own sockets watch, in one MGET, and tells those sockets of the
 * ones that moved. However many buyers or instances change a SKU, a socket hears of it at most once
 * per interval, and a stock change costs the order path nothing.
 */
export class SocketGateway {
  private io: GatewayServer | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private presenceRefresher: NodeJS.Timeout | undefined;
  private readonly onRedisBack = () => void this.refreshPresence();
  private sampling = false;
  private closing = false;
  /** The last value this instance sent per watched SKU. */
  private readonly lastSent = new Map<string, number>();
  /**
   * Per socket, the SKUs of watches under way (read, not yet joined): counted with the rooms it
   * has joined, or a burst of watches, all counted before any joins, passes the cap.
   */
  private readonly joining = new WeakMap<GatewaySocket, Set<string>>();
  /**
   * Per socket and SKU, the last watch or unwatch under way. One SKU's are applied in the order
   * sent: a watch reads the stock before it joins, and an unwatch that came meanwhile (a page shown
   * and left at once) left a room not joined yet, so the socket stayed watching what it had unwatched.
   */
  private readonly pending = new WeakMap<GatewaySocket, Map<string, Promise<void>>>();
  /** Per socket, the timer that closes its connection when its token expires. */
  private readonly expiryTimers = new WeakMap<GatewaySocket, NodeJS.Timeout>();
  /** Per client address, the sockets without a token it holds open on this instance. */
  private readonly visitors = new Map<string, number>();

  constructor(private readonly deps: SocketGatewayDeps) {}

  /**
   * Serves sockets on `server` and subscribes the adapter to the other instances' events; resolves
   * once the subscriptions are active, so no event published after start-up can be missed.
   */
  async attach(server: HttpServer): Promise<void> {
    if (this.io) return;
    const { redis, channelPrefix, logger } = this.deps;
    // The adapter subscribes at once. A subscription sent before the connection is ready puts it in
    // subscriber mode under ioredis's ready check, which then fails (and the instance hears nothing):
    // a command answered first means the connection is ready.
    await redis.sub.ping();
    // The adapter publishes without awaiting: a failure must be logged, not left as an unhandled
    // rejection (which would take the process down).
    const publish = redis.pub.publish.bind(redis.pub);
    redis.pub.publish = ((channel: string, message: string | Buffer) =>
      publish(channel, message).catch((error: unknown) => {
        logger.warn({ err: error, channel }, 'a real-time event could not be relayed to other instances');
        return 0;
      })) as Redis['publish'];
    const io: GatewayServer = new Server(server, {
      serveClient: false,
      adapter: createAdapter(redis.pub, redis.sub, { key: channelPrefix, parser: channelParser }),
      allowRequest: (_request, callback) => callback(this.closing ? 'the server is shutting down' : null, !this.closing),
    });
    io.use((socket, next) => {
      const refuse = (code: ErrorBody['error']['code'], message: string) => {
        const refusal = new Error(message) as Error & { data: ErrorBody['error'] };
        refusal.data = { code, message };
        next(refusal);
      };
      try {
        socket.data.user = this.authenticate(socket.handshake.auth);
      } catch (error) {
        return refuse('UNAUTHENTICATED', (error as Error).message);
      }
      if (!socket.data.user && !this.admitVisitor(socket)) {
        return refuse('RATE_LIMITED', 'too many connections without a session from this address; connect with a token (auth: {token})');
      }
      next();
    });
    io.on('connection', (socket) => this.connected(socket));
    this.io = io;
    this.sampler = setInterval(() => void this.sampleStock(), this.deps.stockUpdateIntervalMs);
    this.sampler.unref();
    this.presenceRefresher = setInterval(() => void this.refreshPresence(), (PRESENCE_TTL_SECONDS * 1_000) / 3);
    this.presenceRefresher.unref();
    // Redis back after an outage, perhaps without its data: the sockets here are still connected,
    // and without their presence no cart change would be pushed to them until they reconnect.
    redis.pub.on('ready', this.onRedisBack);
    // A connection answers in order: this reply comes after those of the adapter's subscriptions.
    await redis.sub.ping();
  }

  /** First step of shutting down: no new connections, and every socket closed so the HTTP server can close. */
  beginClose(): void {
    this.closing = true;
    clearInterval(this.sampler);
    clearInterval(this.presenceRefresher);
    this.deps.redis.pub.off('ready', this.onRedisBack);
    // Closed as connections, not disconnected as sockets: a client told "io server disconnect"
    // takes it as meant and never reconnects, so a rolling restart would leave every open page
    // without live updates; a closed transport makes it reconnect (to this instance back, or another).
    this.io?.engine.close();
  }

  /** Last step, once the HTTP server has closed: the adapter's subscriptions, answered before the connection goes. */
  async close(): Promise<void> {
    this.beginClose();
    if (!this.io) return;
    await this.io.of('/').adapter.close();
    await this.deps.redis.sub.ping().catch(() => undefined);
  }

  /**
   * The token with or without its scheme, in any case as HTTP takes it. Checked here rather than
   * handed on as a header: a "bearer " added twice refused a valid token, and the header's own
   * refusal spoke of an Authorization header the client never sent.
   *
   * No token at all is a visitor who has no session yet (a first look at a product page): they may
   * follow stock, which is public on the product pages anyway, and have no cart or orders to hear
   * of. A guest session for each would cost an account row per onlooker of a sale, and polling
   * would show them the stock up to 10 s late. A token sent that is not good is refused as ever.
   */
  private authenticate(handshake: Record<string, unknown>): AuthUser | undefined {
    const { token } = handshake;
    if (token === undefined) return undefined;
    const bare = typeof token === 'string' ? token.replace(/^bearer\s+/i, '') : '';
    if (!/^\S+$/.test(bare)) {
      throw new AppError('UNAUTHENTICATED', 'connect with auth: {token} (the bearer token of the HTTP API, one word)');
    }
    return this.deps.auth.authenticate(`Bearer ${bare}`);
  }

  /**
   * Counts a socket without a token against its address's cap, and uncounts it as it goes; false
   * when the address holds as many as it may. Such a socket costs nothing to open (no session, no
   * limit on creating one), so without a cap one client could hold an instance's memory; one with a
   * token cost a guest session, which is rate-limited. The count is this instance's: a client spread
   * over n instances holds at most n times the cap.
   */
  private admitVisitor(socket: GatewaySocket): boolean {
    const cap = this.deps.visitorSocketsPerAddress;
    if (cap === 0) return true;
    const address = this.deps.clientAddress(socket.request);
    const open = this.visitors.get(address) ?? 0;
    if (open >= cap) return false;
    this.visitors.set(address, open + 1);
    socket.once('disconnect', () => {
      const left = (this.visitors.get(address) ?? 1) - 1;
      if (left > 0) this.visitors.set(address, left);
      else this.visitors.delete(address);
    });
    return true;
  }

  private connected(socket: GatewaySocket): void {
    const { user } = socket.data;
    if (user) this.joinedAs(socket, user);
    socket.on('product:watch', (...args: unknown[]) => {
      const [payload, reply] = payloadAndAck<WatchAck>(args);
      const sku = skuOf(payload, reply);
      if (sku !== undefined) this.inOrder(socket, sku, () => this.watch(socket, sku, reply));
    });
    socket.on('product:unwatch', (...args: unknown[]) => {
      const [payload, reply] = payloadAndAck<UnwatchAck>(args);
      const sku = skuOf(payload, reply);
      if (sku === undefined) return;
      this.inOrder(socket, sku, async () => {
        await socket.leave(productRoom(sku));
        reply?.({ sku });
      });
    });
  }

  /** A caller's socket: in its user's room, recorded as present, sent its cart at once, closed when its token expires. */
  private joinedAs(socket: GatewaySocket, user: AuthUser): void {
    const { presence, carts, logger } = this.deps;
    this.closeAtExpiry(socket, user);
    void socket.join(userRoom(user.id));
    // Present before the cart is read: a change after the read is pushed, one before it is in the cart sent.
    presence
      .socketConnected(user.id, socket.id, this.deps.instanceId, PRESENCE_TTL_SECONDS)
      .then(() => carts.read(user.id))
      .then(
        (cart) => socket.emit('cart:update', cart),
        (error: unknown) => logger.warn({ err: error, userId: user.id }, 'could not send the cart to a new socket'),
      );
    socket.on('disconnect', () => {
      clearTimeout(this.expiryTimers.get(socket));
      presence.socketDisconnected(user.id, socket.id).catch((error: unknown) => {
        logger.warn({ err: error, userId: user.id }, 'socket presence not cleared; it expires by itself');
      });
    });
  }

  /**
   * Closes the socket's connection when its token expires: HTTP refuses that token from then on, and
   * so does the handshake the client makes to reconnect (connect_error UNAUTHENTICATED), so it has to
   * come back with a new one. Closed as a connection, as on shutting down, so the client does try.
   */
  private closeAtExpiry(socket: GatewaySocket, user: AuthUser): void {
    const { expiresAt } = user;
    if (expiresAt === undefined) return;
    // setTimeout waits at most 2^31 - 1 ms (about 24.8 days); a token good for longer is looked at again then.
    const timer = setTimeout(
      () => (Date.now() >= expiresAt ? socket.conn.close() : this.closeAtExpiry(socket, user)),
      Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1),
    );
    timer.unref();
    this.expiryTimers.set(socket, timer);
  }

  /** Runs a watch or unwatch of one SKU after those of the same socket and SKU sent before it. */
  private inOrder(socket: GatewaySocket, sku: string, work: () => Promise<void>): void {
    const queue = this.pending.get(socket) ?? new Map<string, Promise<void>>();
    this.pending.set(socket, queue);
    const next = (queue.get(sku) ?? Promise.resolve()).then(work).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, sku }, 'product:watch or product:unwatch failed');
    });
    queue.set(sku, next);
    void next.then(() => {
      if (queue.get(sku) === next) queue.delete(sku);
    });
  }

  /**
   * Joins the product's room and answers (and emits) its stock now; later changes come sampled, each
   * value once. When the newcomer's value is not the one the room was last sent, the room's next
   * sample goes to every watcher, whatever it reads, so none keeps a value older than another's.
   */
  private async watch(socket: GatewaySocket, sku: string, ack: WatchAck | undefined): Promise<void> {
    const joining = this.joining.get(socket) ?? new Set<string>();
    this.joining.set(socket, joining);
    const watched = [...socket.rooms].filter((room) => room.startsWith('product:')).length;
    const already = socket.rooms.has(productRoom(sku)) || joining.has(sku);
    if (watched + joining.size >= MAX_WATCHED_PRODUCTS && !already) {
      return ack?.(errorPayload('VALIDATION_FAILED', `a socket watches at most ${MAX_WATCHED_PRODUCTS} products`));
    }
    joining.add(sku);
    try {
      const [product] = await this.deps.products.get([sku]);
      if (!product) return ack?.(errorPayload('NOT_FOUND', 'product not found', { sku }));
      const [gate] = await this.deps.stock.gates([sku]);
      const update: StockUpdate = { sku, available: gate ?? (await this.deps.inventory.ensureGate(sku)) };
      await socket.join(productRoom(sku));
      if (this.io?.of('/').adapter.rooms.get(productRoom(sku))?.size === 1) this.lastSent.set(sku, update.available);
      else if (this.lastSent.get(sku) !== update.available) this.lastSent.delete(sku);
      socket.emit('stock:update', update);
      ack?.(update);
    } catch (error) {
      this.deps.logger.warn({ err: error, sku }, 'product:watch failed');
      ack?.(errorPayload('UNAVAILABLE', 'the stock of this product cannot be read right now; try again'));
    } finally {
      joining.delete(sku);
    }
  }

  private async refreshPresence(): Promise<void> {
    const io = this.io;
    if (!io || this.closing) return;
    const sockets = [...io.of('/').adapter.rooms]
      .filter(([room, ids]) => room.startsWith('user:') && ids.size > 0)
      .map(([room, ids]) => ({ userId: room.slice('user:'.length), socketIds: [...ids] }));
    await this.deps.presence.refreshPresence(sockets, this.deps.instanceId, PRESENCE_TTL_SECONDS).catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'could not refresh socket presence');
    });
  }

  private async sampleStock(): Promise<void> {
    const io = this.io;
    if (!io || this.sampling) return;
    const skus = [...io.of('/').adapter.rooms.keys()].filter((room) => room.startsWith('product:')).map((room) => room.slice('product:'.length));
    for (const sku of this.lastSent.keys()) if (!skus.includes(sku)) this.lastSent.delete(sku);
    if (skus.length === 0) return;
    this.sampling = true;
    try {
      const [gates, products] = await Promise.all([this.deps.stock.gates(skus), this.deps.products.get(skus)]);
      skus.forEach((sku, i) => {
        // Taken off the catalog, a product can no longer be bought, whatever its gate holds for the
        // orders placed before; its watchers stay in its room, and hear of it again if it comes back.
        const available = products[i] === null ? 0 : gates[i];
        if (available === null || available === undefined || this.lastSent.get(sku) === available) return;
        this.lastSent.set(sku, available);
        io.local.to(productRoom(sku)).emit('stock:update', { sku, available });
      });
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not sample the stock of watched products');
    } finally {
      this.sampling = false;
    }
  }
}

/**
 * Serves the gateway on the app's own HTTP server (the API port), subscribed before the app is
 * ready. On close, sockets go first so the HTTP server can close, and the adapter's subscriptions last.
 */
export function attachSocketGateway(app: FastifyInstance, gateway: SocketGateway): void {
  app.addHook('onReady', async () => gateway.attach(app.server));
  app.addHook('preClose', (done) => {
    gateway.beginClose();
    done();
  });
  app.addHook('onClose', async () => gateway.close());
}
