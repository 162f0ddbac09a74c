import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { type Channel, type ChannelModel, connect, type Message } from 'amqplib';
import { type FeedTopology, feedTopology } from '../../src/modules/feed/feed-topology.js';
import { freePort } from './stores.js';

/** The machine's RabbitMQ; tests only create and delete names under a prefix of their own. */
export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A prefix for the feed's exchange and queue names no other test run uses (AMQP_PREFIX). */
export const uniqueAmqpPrefix = () => `fct-${randomBytes(4).toString('hex')}.`;

/**
 * A test's own view of the broker: a channel to read the feed's queues directly, and the names of
 * its prefix, every one of them deleted by `close`.
 */
export class FeedQueues {
  readonly topology: FeedTopology;

  private constructor(
    private readonly connection: ChannelModel,
    readonly channel: Channel,
    readonly prefix: string,
  ) {
    this.topology = feedTopology(prefix);
  }

  static async open(prefix: string): Promise<FeedQueues> {
    const connection = await connect(AMQP_URL);
    return new FeedQueues(connection, await connection.createChannel(), prefix);
  }

  /** Takes every message waiting in a queue, acknowledging each (a consumer that reads, then leaves). */
  async drain(queue: string): Promise<Message[]> {
    const taken: Message[] = [];
    for (;;) {
      const message = await this.channel.get(queue, { noAck: false });
      if (message === false) return taken;
      this.channel.ack(message);
      taken.push(message);
    }
  }

  async close(): Promise<void> {
    const { topology, channel } = this;
    for (const queue of [topology.orderQueue, topology.stockQueue, topology.orderDeadLetters, topology.stockDeadLetters]) {
      await channel.deleteQueue(queue).catch(() => undefined);
    }
    for (const exchange of [topology.exchange, topology.deadLetterExchange]) await channel.deleteExchange(exchange).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

/** A feed message's body, as FeedPublisher writes it. */
export interface FeedMessage {
  id: number;
  type: string;
  subject: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

export const bodyOf = (message: Message) => JSON.parse(message.content.toString()) as FeedMessage;

/**
 * A TCP relay to the real broker on a port of its own: `stop` closes the port and cuts every
 * connection through it (RabbitMQ unreachable, as a broker down or a network cut looks to a client),
 * `start` opens the same port again.
 */
export class BrokerRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pairs: [client: Socket, broker: Socket][] = [];
  private port = 0;

  /** The AMQP URL that reaches the broker through the relay. */
  get url(): string {
    const target = new URL(AMQP_URL);
    target.host = `127.0.0.1:${this.port}`;
    return target.toString();
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const target = new URL(AMQP_URL);
    this.server = createServer((client) => {
      const broker = tcpConnect(Number(target.port || 5672), target.hostname);
      for (const socket of [client, broker]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('close', () => broker.destroy());
      broker.on('close', () => client.destroy());
      client.pipe(broker).pipe(client);
      this.pairs.push([client, broker]);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', resolve);
    });
  }

  /**
   * The connections open now stop passing bytes either way and stay open, as a broker that stopped
   * reading (a memory or disk alarm) or a network that drops packets looks to a client. Connections
   * made later pass as usual.
   */
  silence(): void {
    for (const [client, broker] of this.pairs.splice(0)) {
      client.unpipe(broker);
      broker.unpipe(client);
      client.pause();
      broker.pause();
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
