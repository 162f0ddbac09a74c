import { createTransport } from 'nodemailer';

/** A rendered mail, as templates.ts makes them, addressed. */
export interface OutgoingMail {
  to: string | readonly string[];
  subject: string;
  html: string;
  text: string;
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

  constructor(options: MailerOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
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

  /** Resolves to the Message-ID header (angle brackets included) the server accepted. */
  async send(mail: OutgoingMail): Promise<string> {
    const info = await this.transport.sendMail({
      to: typeof mail.to === 'string' ? mail.to : [...mail.to],
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
    });
    return info.messageId;
  }

  /** Closes the pooled connections. */
  close(): void {
    this.transport.close();
  }
}
