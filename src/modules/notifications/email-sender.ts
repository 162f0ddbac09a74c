import type { Logger } from 'pino';
import type { Metrics } from '../../lib/metrics.js';
import type { EmailDeliveriesRepository } from './email-deliveries.repository.js';
import type { EmailJob } from './email-job.js';
import type { MailPreferencesRepository } from './mail-preferences.repository.js';
import type { Mailer } from './mailer.js';

export interface EmailSenderDeps {
  deliveries: Pick<EmailDeliveriesRepository, 'begin' | 'sent' | 'failed' | 'withheld'>;
  /** Whether a reminder's recipient still takes reminders (EmailJob.cartRemindersToken). */
  preferences: Pick<MailPreferencesRepository, 'find'>;
  mailer: Pick<Mailer, 'send'>;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Sends one mail of a send-email job, recorded in email_deliveries: a delivery recorded as sent is
 * not sent again, and a failed send throws, for its job to retry. The job only sends: the business
 * step behind the mail committed long before and never runs again.
 *
 * A send is at least once: when the server took the mail but the "sent" mark could not be written
 * (Postgres gone at that instant), the retry sends it again, with the same Message-ID (derived from
 * the delivery key), so the recipient's mail store or client can tell it is the same mail.
 *
 * A cart reminder is checked against its recipient's setting as it goes: one who turned reminders
 * off while it waited in the queue (behind others, or retried while the SMTP server was away) does
 * not get it, and its delivery is recorded `withheld`.
 */
export class EmailSender {
  constructor(private readonly deps: EmailSenderDeps) {}

  async send(job: EmailJob): Promise<'sent' | 'already-sent' | 'withheld'> {
    const { deliveries, mailer, metrics, logger } = this.deps;
    if (job.cartRemindersToken !== undefined && !(await this.remindersStillOn(job.cartRemindersToken))) {
      await deliveries.withheld(job);
      metrics.emails.inc({ template: job.template, outcome: 'withheld' });
      return 'withheld';
    }
    if (!(await deliveries.begin(job))) {
      metrics.emails.inc({ template: job.template, outcome: 'already-sent' });
      return 'already-sent';
    }
    let messageId: string;
    try {
      messageId = await mailer.send({
        to: job.to,
        subject: job.subject,
        html: job.html,
        text: job.text,
        deliveryKey: job.key,
        listUnsubscribe: job.listUnsubscribe,
      });
    } catch (error) {
      metrics.emails.inc({ template: job.template, outcome: 'failed' });
      await deliveries.failed(job.key, (error as Error).message).catch((recordError: unknown) => {
        logger.warn({ key: job.key, err: recordError }, 'could not record a failed mail delivery');
      });
      throw error;
    }
    await deliveries.sent(job.key, messageId);
    metrics.emails.inc({ template: job.template, outcome: 'sent' });
    return 'sent';
  }

  /** False once the token's account has turned reminders off; a token no row holds (never expected) lets the mail go. */
  private async remindersStillOn(token: string): Promise<boolean> {
    return (await this.deps.preferences.find(token))?.cartReminders ?? true;
  }
}
