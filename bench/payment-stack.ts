import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Mailbox } from '../src/modules/notifications/mailbox.js';
import { SmtpSink } from '../src/modules/notifications/smtp-sink.js';
import { RedisKeys } from '../src/redis/keys.js';
import { createPspSim, type PspSim } from '../src/simulators/psp-sim/psp-sim.js';

/**
 * What the payment benchmarks run in their own process beside flashcart: the payment simulator
 * (it only creates payments: the benchmarks sign the webhooks themselves) and an SMTP sink (the
 * admins' low-stock alerts go there; guests get no mail). `listen` answers the environment that
 * points flashcart at both.
 */
export class PaymentStack {
  private readonly sim: PspSim;
  private readonly mailRedis: Redis;
  private readonly sink: SmtpSink;

  constructor(redisUrl: string, prefix: string, logger: Logger) {
    this.sim = createPspSim({ webhookUrl: 'http://127.0.0.1:9/unused', webhookSecret: 'unused-by-the-bench', logger });
    this.mailRedis = new Redis(redisUrl);
    this.sink = new SmtpSink({ mailbox: new Mailbox({ redis: this.mailRedis, keys: new RedisKeys(prefix) }), logger });
  }

  async listen(): Promise<Record<string, string>> {
    const simUrl = await this.sim.listen({ port: 0 });
    const smtpPort = await this.sink.listen(0);
    return { PSP_SIM_PUBLIC_URL: simUrl, SMTP_URL: `smtp://127.0.0.1:${smtpPort}` };
  }

  /** Closes the simulator first: flashcart's processes may still call it until they stop. */
  async closeSimulator(): Promise<void> {
    await this.sim.close();
  }

  async close(): Promise<void> {
    await this.sink.close();
    this.mailRedis.disconnect();
  }
}
