import { createHash } from 'node:crypto';
import type { JobQueues } from '../../jobs/job-queues.js';
import { PRIORITY } from '../../jobs/registry.js';
import { Coalescer, coalescedLookups } from '../../lib/coalescer.js';
import { cartRemindersPageUrl, cartRemindersUnsubscribeUrl, checkoutPageUrl, deadLettersPageUrl, orderPageUrl } from '../../lib/shop-pages.js';
import type { CartStore } from '../../redis/cart-store.js';
import type { CartsRepository } from '../carts/carts.repository.js';
import type { LowStock, LowStockAlertsRepository } from '../inventory/low-stock-alerts.repository.js';
import type { OrdersRepository } from '../orders/orders.repository.js';
import type { Order } from '../orders/orders.schemas.js';
import type { OutboxPayloads, OutboxRecord } from '../outbox/outbox-events.js';
import type { EmailJob, MailTemplate } from './email-job.js';
import { DEFAULT_FORMAT, type FormatOptions } from './format.js';
import type { MailPreferencesRepository } from './mail-preferences.repository.js';
import type { NotificationsRepository } from './notifications.repository.js';
import * as templates from './templates.js';

export interface NotifierDeps {
  orders: Pick<OrdersRepository, 'find'>;
  repository: Pick<
    NotificationsRepository,
    'adminEmails' | 'addressesOf' | 'accountEmail' | 'productsOnSale' | 'productTitle' | 'paymentIdOf' | 'refundOf' | 'placedVendorLines'
  >;
  lowStock: Pick<LowStockAlertsRepository, 'alertsFor'>;
  /** Whether an account still takes cart reminders, and the token their unsubscribe links carry. */
  mailPreferences: Pick<MailPreferencesRepository, 'forReminder'>;
  /** A cart as its owner left it last: live in Redis, else its snapshot. */
  carts: Pick<CartStore, 'read'>;
  cartSnapshots: Pick<CartsRepository, 'find'>;
  queues: Pick<JobQueues, 'addBulk'>;
  format?: FormatOptions;
  /** The shop's address as buyers reach it (PUBLIC_URL), for links in mail; no trailing slash. */
  shopUrl: () => string;
}

/** A mail the event calls for, before it is addressed. */
interface Mail {
  template: MailTemplate;
  /** Tells apart two mails of one template for one event (one low-stock alert per SKU). */
  subjectKey?: string;
  rendered: templates.RenderedMail;
  /** The one-click unsubscribe URL a mail client's button posts to (EmailJob.listUnsubscribe). */
  listUnsubscribe?: string;
  /** The token whose setting is checked again when the mail is sent (EmailJob.cartRemindersToken). */
  cartRemindersToken?: string;
}

function orderIdOf(event: OutboxRecord): string {
  if (!event.orderId) throw new Error(`outbox event ${event.id} (${event.type}) names no order`);
  return event.orderId;
}

/** What a send is one of: the outbox event, or for a reminder the cart at its version (one reminder per version). */
const deliverySource = (event: OutboxRecord) =>
  event.type === 'cart.abandoned' ? `cart-${event.payload.userId}-v${event.payload.version}` : `outbox-${event.id}`;

/** The job id of one send: BullMQ job ids may not hold ':' and the key holds an address, so it is hashed. */
const sendJobId = (key: string) => `mail-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;

/**
 * Turns an outbox event into mail: which templates it calls for, to whom, rendered now from the
 * order as it is stored, each queued as a send-email job of its own (admin mail first). Running it
 * twice for one event queues the same jobs, which BullMQ and email_deliveries keep from being sent
 * twice. The business step committed with the event; nothing here changes it.
 */
/**
 * Whether an event can call for any mail, the buyer's or the admins': a status change to FULFILLED
 * tells nobody, and `stock.changed` is for
 * the RabbitMQ feed. The relay queues no `notify` job for the others: in a sale that is a job per
 * order saved.
 */
export function mayCallForMail(event: OutboxRecord): boolean {
  if (event.type === 'stock.changed') return false;
  if (event.type !== 'order.status-changed') return true;
  const { from, to } = event.payload;
  return to === 'CONFIRMED' || to === 'EXPIRED' || to === 'CANCELLED' || (to === 'FAILED' && (from === 'CONFIRMED' || from === 'PENDING'));
}

/** Most lookups one query takes. */
const MAX_LOOKUP_BATCH = 200;

export class Notifier {
  private readonly format: FormatOptions;
  /**
   * The lookups every order event makes (its address; for a confirmation, the low-stock check), those
   * of the jobs that run at one moment in one query each: in a sale, most events are guests' who
   * gave no address, and these are all their jobs cost Postgres.
   */
  private readonly addresses: Coalescer<string, string | undefined>;
  private readonly lowStockChecks: Coalescer<{ eventId: number; orderId: string }, LowStock[]>;

  constructor(private readonly deps: NotifierDeps) {
    this.format = deps.format ?? DEFAULT_FORMAT;
    this.addresses = coalescedLookups((orderIds) => deps.repository.addressesOf(orderIds), { maxBatch: MAX_LOOKUP_BATCH, maxInFlight: 1 });
    this.lowStockChecks = new Coalescer(
      async (sales: { eventId: number; orderId: string }[]) => {
        const alerts = await deps.lowStock.alertsFor(sales);
        return sales.map(({ eventId }) => alerts.get(eventId) ?? []);
      },
      { maxBatch: MAX_LOOKUP_BATCH, maxInFlight: 1 },
    );
  }

  /** Queues the event's mail; returns how many sends it queued. */
  async notify(event: OutboxRecord): Promise<number> {
    if (!mayCallForMail(event)) return 0;
    // The address first: most events of a flash sale are guests' who gave none, and cost nothing more.
    const customer = await this.customerAddress(event);
    const customerMails = customer ? await this.customerMails(event) : [];
    const adminMails = await this.adminMails(event);
    const admins = adminMails.length > 0 ? await this.deps.repository.adminEmails() : [];
    const jobs: { data: EmailJob; jobId: string; priority: number }[] = [];
    const queue = (mail: Mail, to: string, priority: number) => {
      const key = `${deliverySource(event)}.${mail.subjectKey ?? mail.template}.${to}`;
      const data: EmailJob = { key, template: mail.template, to, ...mail.rendered };
      if (mail.listUnsubscribe) data.listUnsubscribe = mail.listUnsubscribe;
      if (mail.cartRemindersToken) data.cartRemindersToken = mail.cartRemindersToken;
      jobs.push({ data, jobId: sendJobId(key), priority });
    };
    for (const mail of adminMails) for (const to of admins) queue(mail, to, PRIORITY.admin);
    if (customer) for (const mail of customerMails) queue(mail, customer, PRIORITY.customer);
    await this.deps.queues.addBulk('send-email', jobs);
    return jobs.length;
  }

  /** Where the customer's mail of the event goes: the order's address, or for a cart its owner's account's. */
  private customerAddress(event: OutboxRecord): Promise<string | undefined> {
    if (event.type === 'cart.abandoned') return this.deps.repository.accountEmail(event.payload.userId);
    return event.orderId ? this.addresses.submit(event.orderId) : Promise.resolve(undefined);
  }

  /** The buyer's mail the event calls for. */
  private async customerMails(event: OutboxRecord): Promise<Mail[]> {
    const mail = (template: MailTemplate, rendered: templates.RenderedMail): Mail[] => [{ template, rendered }];
    switch (event.type) {
      case 'order.placed': {
        const order = await this.order(event);
        const orderUrl = orderPageUrl(this.deps.shopUrl(), order.id);
        return mail(
          'order-received',
          templates.orderReceived({ ...this.orderInput(order), expiresAt: new Date(order.expiresAt), orderUrl }, this.format),
        );
      }
      case 'order.status-changed': {
        const { from, to, reason, at, actor } = event.payload;
        if (to === 'CONFIRMED') {
          const order = await this.order(event);
          // An order an admin confirmed without a payment through the provider has none to speak of.
          const paymentId = await this.deps.repository.paymentIdOf(order.id);
          return mail('payment-confirmed', templates.paymentConfirmed({ ...this.orderInput(order), paymentId, paidAt: new Date(at) }, this.format));
        }
        if (to === 'EXPIRED') {
          return mail('order-expired', templates.orderExpired({ ...this.orderInput(await this.order(event)), expiredAt: new Date(at) }, this.format));
        }
        if (to === 'CANCELLED') {
          // Not the buyer's own words: mail goes to an address nobody verified, and anyone could
          // have it carry their text (a link, a warning) under the shop's name.
          const said = actor === 'customer' ? 'cancelled at your request' : (reason ?? undefined);
          const input = { ...this.orderInput(await this.order(event)), cancelledAt: new Date(at), reason: said };
          return mail('order-cancelled', templates.orderCancelled(input, this.format));
        }
        // An accepted order that could not be stored (its stock could not be held after all) fails
        // before any payment: the buyer, told 202, hears that it was not taken after all.
        if (to === 'FAILED' && from === 'PENDING') {
          return mail('order-not-taken', templates.orderNotTaken(this.orderInput(await this.order(event)), this.format));
        }
        // A confirmed order's failure is fulfilment's, and the buyer was charged (or the shop confirmed it).
        if (to === 'FAILED' && from === 'CONFIRMED') {
          const order = await this.order(event);
          // The refund was marked in the transaction that failed the order, so it is there now if it ever is.
          const refundDue = (await this.deps.repository.refundOf(order.id)) !== undefined;
          const input = { ...this.orderInput(order), reason: reason ?? 'fulfilment was impossible', refundDue };
          return mail('order-failed', templates.orderFailed(input, this.format));
        }
        return [];
      }
      case 'payment.refund-due': {
        const { paymentId, amountCents, currency, orderStatus, cause } = event.payload;
        // A failed order's refund is told in its order-failed mail.
        if (cause === 'fulfilment-failed' || cause === 'failed-by-admin') return [];
        return mail('refund-due', templates.refundDue({ orderId: orderIdOf(event), paymentId, amountCents, currency, orderStatus }, this.format));
      }
      case 'cart.abandoned':
        return this.abandonedCartMail(event.payload);
      case 'job.dead-lettered':
      case 'payment.anomaly':
      case 'stock.changed':
      case 'inventory.low-stock':
        return [];
    }
  }

  /**
   * The reminder shows the cart's lines at today's prices, as the cart itself would; a line whose
   * product is no longer sold (or now sold in another currency) is left out, and a cart left with
   * none gets no mail, nor a cart its owner has touched since it was found abandoned, nor one whose
   * owner has turned reminders off since. Each reminder says how to stop them: a link to the shop's
   * page for it, and the one-click URL a mail client's own unsubscribe button posts to.
   */
  private async abandonedCartMail(cart: OutboxPayloads['cart.abandoned']): Promise<Mail[]> {
    // The owner may have come back between the run that found the cart abandoned and this mail
    // (emptied it, ordered it, changed it): the reminder would be of a cart that is no more, and
    // a changed cart gets its own once it is left again. A catalog change does not count.
    const now = (await this.deps.carts.read(cart.userId)) ?? (await this.deps.cartSnapshots.find(cart.userId));
    if (now?.touchedAtMs !== Date.parse(cart.touchedAt)) return [];
    const products = await this.deps.repository.productsOnSale(cart.lines.map((line) => line.sku));
    const lines = cart.lines.flatMap(({ sku, quantity }) => {
      const product = products.get(sku);
      return product && product.currency === cart.currency ? [{ sku, quantity, title: product.title, unitPriceCents: product.priceCents }] : [];
    });
    if (lines.length === 0) return [];
    const setting = await this.deps.mailPreferences.forReminder(cart.userId);
    if (!setting.cartReminders) return [];
    const shopUrl = this.deps.shopUrl();
    const rendered = templates.abandonedCart(
      { lines, currency: cart.currency, cartUrl: checkoutPageUrl(shopUrl), stopUrl: cartRemindersPageUrl(shopUrl, setting.token) },
      this.format,
    );
    return [
      {
        template: 'abandoned-cart',
        rendered,
        listUnsubscribe: cartRemindersUnsubscribeUrl(shopUrl, setting.token),
        cartRemindersToken: setting.token,
      },
    ];
  }

  /** The admins' mail the event calls for: a dead letter, a failed fulfilment, or a SKU taken low (by a confirmation's sale, or by a vendor recount). */
  private async adminMails(event: OutboxRecord): Promise<Mail[]> {
    if (event.type === 'job.dead-lettered') {
      const { queue, name, jobId, reason, attempts, failedAt } = event.payload;
      const rendered = templates.deadLetter(
        {
          queue,
          jobName: name,
          jobId: jobId ?? undefined,
          reason,
          attempts,
          failedAt: new Date(failedAt),
          consoleUrl: deadLettersPageUrl(this.deps.shopUrl()),
        },
        this.format,
      );
      return [{ template: 'dead-letter', rendered }];
    }
    if (event.type === 'payment.anomaly') return [{ template: 'payment-anomaly', rendered: templates.paymentAnomaly(event.payload, this.format) }];
    if (event.type === 'order.status-changed' && event.payload.from === 'CONFIRMED' && event.payload.to === 'FAILED') {
      return [{ template: 'fulfilment-failed', rendered: await this.fulfilmentFailed(event, event.payload.reason) }];
    }
    // A vendor recount that took a SKU low raised its alert with the event.
    if (event.type === 'inventory.low-stock') return [await this.lowStockMail(event.payload)];
    if (event.type !== 'order.status-changed' || event.payload.to !== 'CONFIRMED' || !event.orderId) return [];
    const low = await this.lowStockChecks.submit({ eventId: event.id, orderId: event.orderId });
    return Promise.all(low.map((level) => this.lowStockMail(level)));
  }

  private async lowStockMail({ sku, available, threshold }: LowStock): Promise<Mail> {
    const title = (await this.deps.repository.productTitle(sku)) ?? sku;
    return { template: 'low-stock', subjectKey: `low-stock-${sku}`, rendered: templates.lowStock({ sku, title, available, threshold }) };
  }

  private async fulfilmentFailed(event: OutboxRecord, reason: string | null): Promise<templates.RenderedMail> {
    const order = await this.order(event);
    const [refund, vendorLines] = await Promise.all([this.deps.repository.refundOf(order.id), this.deps.repository.placedVendorLines(order.id)]);
    return templates.fulfilmentFailed({ ...this.orderInput(order), reason: reason ?? 'fulfilment was impossible', refund, vendorLines }, this.format);
  }

  private async order(event: OutboxRecord): Promise<Order> {
    const orderId = orderIdOf(event);
    const order = await this.deps.orders.find(orderId);
    if (!order) throw new Error(`order ${orderId} not found`);
    return order;
  }

  private orderInput(order: Order): templates.OrderMailInput {
    return { orderId: order.id, lines: order.items, currency: order.currency, shippingAddress: order.shippingAddress };
  }
}
