import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../lib/logger.js';
import type { Mailbox } from './mailbox.js';

/**
 * The built-in SMTP sink: when SMTP_URL is unset, flashcart's mailer delivers here, and every
 * message lands in the Mailbox instead of anyone's inbox. It listens on 127.0.0.1 only, without
 * authentication or TLS (it is a local development and test stand-in, never a relay).
 */

export interface SmtpSinkOptions {
  mailbox: Mailbox;
  logger: Logger;
  /** Larger messages are refused with 552. */
  maxMessageBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** An SMTP reply code on an error smtp-server answers with. */
const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

export class SmtpSink {
  private readonly server: SMTPServer;
  private readonly logger: Logger;

  constructor(private readonly options: SmtpSinkOptions) {
    this.logger = options.logger.child({ component: 'smtp-sink' });
    this.server = new SMTPServer({
      // No AUTH to offer and no STARTTLS (which would present smtp-server's public test certificate).
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      disableReverseLookup: true,
      size: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      rejectOversized: true,
      logger: false,
      // Closing waits this long for clients (a pooled mailer) to leave before cutting them off.
      closeTimeout: 2_000,
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      },
    });
    // A port that cannot be had is listen()'s to report (the start names the setting), not a log line with a stack.
    this.server.on('error', (error) => {
      if (this.server.server.listening) this.logger.error({ err: error }, 'SMTP sink error');
    });
  }

  /** Listens on 127.0.0.1; resolves to the bound port (pass 0 for any free one). */
  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    this.logger.info({ port: bound }, 'SMTP sink listening');
    return bound;
  }

  async close(): Promise<void> {
    if (!this.server.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const parsed = await simpleParser(stream).catch((error: unknown) => {
      throw smtpError(`message could not be parsed: ${(error as Error).message}`, 550);
    });
    if (stream.sizeExceeded) return; // rejectOversized has answered 552 already
    const envelope = session.envelope;
    const to = envelope.rcptTo.map((recipient) => recipient.address.toLowerCase());
    const from = parsed.from?.text || (envelope.mailFrom ? envelope.mailFrom.address : '');
    try {
      const stored = await this.options.mailbox.record({
        messageId: parsed.messageId ?? null,
        from,
        to,
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        html: parsed.html || null,
        listUnsubscribe: headerValue(parsed.headerLines, 'list-unsubscribe'),
        listUnsubscribePost: headerValue(parsed.headerLines, 'list-unsubscribe-post'),
      });
      this.logger.debug({ id: stored.id, to, subject: stored.subject }, 'mail received');
    } catch (error) {
      // Redis unreachable: a temporary failure, so the sender keeps the message and tries again.
      this.logger.warn({ err: error }, 'SMTP sink could not store a message');
      throw smtpError('mailbox unavailable, try again later', 451);
    }
  }
}

/** A header's value as sent, unfolded; null when the message has none. */
function headerValue(lines: readonly { key: string; line: string }[], key: string): string | null {
  const found = lines.find((header) => header.key === key);
  if (!found) return null;
  return found.line
    .slice(found.line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}
