import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type Page, pageOf, paginationQuery } from '../../lib/http-schemas.js';
import type { RedisKeys } from '../../redis/keys.js';

/** One message the built-in SMTP sink received, as `GET /api/admin/mailbox` lists it. */
export const mailboxMessage = z
  .object({
    id: z.string(),
    /** The Message-ID header, angle brackets included, as the sender's mailer reported it. */
    messageId: z.string().nullable(),
    from: z.string(),
    /** Every envelope recipient, lower case. */
    to: z.array(z.string()),
    subject: z.string(),
    text: z.string(),
    html: z.string().nullable(),
    /** The List-Unsubscribe header as sent (`<https://…>`), for mail that can be unsubscribed from (the cart reminder). */
    listUnsubscribe: z.string().nullable(),
    /** The List-Unsubscribe-Post header (`List-Unsubscribe=One-Click` for RFC 8058's one-click). */
    listUnsubscribePost: z.string().nullable(),
    receivedAt: z.iso.datetime(),
  })
  .meta({ id: 'MailboxMessage' });
export type MailboxMessage = z.infer<typeof mailboxMessage>;

export const mailboxPage = pageOf(mailboxMessage);

export const mailboxQuery = z
  .object({
    ...paginationQuery.shape,
    /** Only messages to this address (case-insensitive). */
    to: z.string().trim().min(1).max(320).optional(),
  })
  .strict();
export type MailboxQuery = z.infer<typeof mailboxQuery>;

export type NewMailboxMessage = Omit<MailboxMessage, 'id' | 'receivedAt'>;

export interface MailboxOptions {
  redis: Redis;
  keys: RedisKeys;
  /** Messages kept; older ones are dropped as new ones arrive. */
  capacity?: number;
}

const DEFAULT_CAPACITY = 1_000;

/**
 * The built-in SMTP sink's mailbox: a capped Redis list under the installation's prefix, newest
 * first, so any API instance can list what the sink (in whichever process runs it) received.
 * It is a development aid, not an archive: past `capacity` the oldest messages go.
 */
export class Mailbox {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly capacity: number;

  constructor(options: MailboxOptions) {
    this.redis = options.redis;
    this.key = options.keys.mailbox();
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
  }

  async record(message: NewMailboxMessage, receivedAt: Date = new Date()): Promise<MailboxMessage> {
    const stored: MailboxMessage = { id: randomUUID(), ...message, receivedAt: receivedAt.toISOString() };
    // One transaction, so the list never holds more than `capacity` between the two commands.
    await this.redis
      .multi()
      .lpush(this.key, JSON.stringify(stored))
      .ltrim(this.key, 0, this.capacity - 1)
      .exec();
    return stored;
  }

  /** Newest first. Filtering by recipient reads the whole (capped) list. */
  async list(query: { page: number; limit: number; to?: string | undefined }): Promise<Page<MailboxMessage>> {
    const { page, limit } = query;
    const start = (page - 1) * limit;
    if (query.to === undefined) {
      const [rows, total] = await Promise.all([this.redis.lrange(this.key, start, start + limit - 1), this.redis.llen(this.key)]);
      return { items: rows.map(parse), page, limit, total };
    }
    const recipient = query.to.toLowerCase();
    const matching = (await this.redis.lrange(this.key, 0, -1)).map(parse).filter((message) => message.to.includes(recipient));
    return { items: matching.slice(start, start + limit), page, limit, total: matching.length };
  }
}

/** A stored message; one stored before the List-Unsubscribe fields were kept has none. */
const parse = (row: string): MailboxMessage => {
  const stored = JSON.parse(row) as Partial<MailboxMessage> & Omit<MailboxMessage, 'listUnsubscribe' | 'listUnsubscribePost'>;
  return { ...stored, listUnsubscribe: stored.listUnsubscribe ?? null, listUnsubscribePost: stored.listUnsubscribePost ?? null };
};
