import { Redis } from 'ioredis';
import { createLogger } from '../../../src/lib/logger.js';
import { Mailbox } from '../../../src/modules/notifications/mailbox.js';
import { SmtpSink } from '../../../src/modules/notifications/smtp-sink.js';
import { RedisKeys } from '../../../src/redis/keys.js';
import { freePort } from '../../support/stores.js';
import type { TestStores } from '../../support/system.js';

/**
 * The mail server a test system sends to (its SMTP_URL), which a test can take down and bring back
 * on the same port: while it is down every send is refused, as with a real mail server that went
 * away. What it receives lands in the system's mailbox (the same Redis keys the built-in sink
 * fills), so the admin API and console show it.
 */
export class SwitchableMailServer {
  private sink: SmtpSink | undefined;
  private redis: Redis | undefined;
  private port = 0;

  /** SMTP_URL for the system; the server is down until `start`. */
  async reserve(): Promise<string> {
    this.port = await freePort();
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Listens on the reserved port, filling the mailbox of the system running on `stores`. */
  async start(stores: TestStores): Promise<void> {
    if (this.sink) return;
    this.redis ??= new Redis(stores.env.REDIS_URL!, { maxRetriesPerRequest: 2, connectionName: 'test-mail-server' });
    const mailbox = new Mailbox({ redis: this.redis, keys: new RedisKeys(stores.prefix) });
    const sink = new SmtpSink({ mailbox, logger: createLogger('silent') });
    await sink.listen(this.port);
    this.sink = sink;
  }

  /** Stops listening: sends are refused from now on (open connections are closed once idle). */
  async stop(): Promise<void> {
    await this.sink?.close();
    this.sink = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    this.redis?.disconnect();
  }
}
