import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';

/** A rendered mail, as templates.ts makes them, addressed. */
export interface OutgoingMail {
  to: string | readonly string[];
  subject: string;
  html: string;
  text: string;
  /**
   * What makes this mail the same mail however often it is sent (an EmailJob's `key`): its
   * Message-ID is derived from it. Without one, each send gets a new Message-ID.
   */
  deliveryKey?: string;
  /** An https URL that unsubscribes the recipient with one POST (RFC 8058), for mail clients' own button. */
  listUnsubscribe?: string;
}

export interface MailerOptions {
  /** smtp:// or smtps:// URL, credentials and options included (config.smtpUrl, or the sink's). */
  smtpUrl: string;
  /** The From header (config.mailFrom). */
  from: string;
  /**
   * Budget of each SMTP step (connecting, the greeting, any silence on the socket). Short, because a
   * send runs inside a job that retries it, and a hung server must fail that attempt, not hold it.
   */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Where mail goes: SMTP_URL, or the built-in sink on this machine when it is unset. */
export function mailTransportUrl(config: { smtpUrl: string | undefined; smtpSinkPort: number }): string {
  return config.smtpUrl ?? `smtp://127.0.0.1:${config.smtpSinkPort}`;
}

/**
 * Sends mail over SMTP with nodemailer, through a small pool of reused connections. A send resolves
 * to the message id once the server accepted the message and throws otherwise; retrying is the
 * caller's (its job's) business, so a failed send never repeats the business step behind it.
 */
export class Mailer {
  private readonly transport;
  /** The right-hand side of the Message-IDs this mailer makes: the From address's domain. */
  private readonly idDomain: string;

  constructor(options: MailerOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const [sender] = addressparser(options.from, { flatten: true });
    this.idDomain = sender?.address.split('@')[1] || 'flashcart.invalid';
    this.transport = createTransport(
      {
        pool: true,
        url: options.smtpUrl,
        maxConnections: 3,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      },
      { from: options.from },
    );
  }

  /**
   * Resolves to the Message-ID header (angle brackets included) the server accepted. A mail sent
   * again with the same `deliveryKey` (a retry after the server took it but its "sent" mark was not
   * written) carries the same Message-ID, by which mail stores and clients recognise a duplicate.
   */
  async send(mail: OutgoingMail): Promise<string> {
    const info = await this.transport.sendMail({
      to: typeof mail.to === 'string' ? mail.to : [...mail.to],
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      ...(mail.deliveryKey === undefined ? {} : { messageId: this.messageIdOf(mail.deliveryKey) }),
      ...(mail.listUnsubscribe === undefined
        ? {}
        : { list: { unsubscribe: mail.listUnsubscribe }, headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } }),
    });
    return info.messageId;
  }

  /** `<hash of the key@domain>`: stable for a key, and no recipient's address shows in it. */
  private messageIdOf(deliveryKey: string): string {
    return `<${createHash('sha256').update(deliveryKey).digest('hex').slice(0, 32)}@${this.idDomain}>`;
  }

  /** Closes the pooled connections. */
  close(): void {
    this.transport.close();
  }
}
