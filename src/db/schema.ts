import type { ColumnType, Generated, Selectable } from 'kysely';

/** Kysely's view of the Postgres schema the migrations in ./migrations create. */

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export type Role = 'guest' | 'customer' | 'admin';

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'FULFILLED', 'CANCELLED', 'EXPIRED', 'FAILED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface UsersTable {
  id: Generated<string>;
  email: string | null;
  passwordHash: string | null;
  name: string | null;
  role: Role;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface CategoriesTable {
  slug: string;
  name: string;
  createdAt: CreatedAt;
}

export interface ProductsTable {
  sku: string;
  title: string;
  description: string;
  categorySlug: string;
  priceCents: number;
  currency: string;
  /** The inventory list calls the SKU low when on_hand - reserved is at or under this. */
  lowStockThreshold: Generated<number>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  deletedAt: Date | null;
}

export interface InventoryTable {
  sku: string;
  onHand: Generated<number>;
  reserved: Generated<number>;
  sold: Generated<number>;
  /** Vendor units the ledger counts for the SKU; moved only by a recount (see VendorStockRecount). */
  vendorOnHand: Generated<number>;
  updatedAt: UpdatedAt;
}

export interface InventoryMovementsTable {
  id: Generated<number>;
  sku: string;
  onHandDelta: number;
  reason: string;
  actorId: string | null;
  createdAt: CreatedAt;
}

export interface OrdersTable {
  id: string;
  userId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  customerEmail: string | null;
  shippingAddress: ColumnType<unknown, string | null, string | null> | null;
  idempotencyKeyHash: string;
  createdAt: ColumnType<Date, Date | string, never>;
  /** Moved later once, when the buyer starts paying. */
  expiresAt: ColumnType<Date, Date | string, Date | string>;
  updatedAt: UpdatedAt;
  confirmedAt: Date | null;
}

export interface OrderLinesTable {
  orderId: string;
  sku: string;
  title: string;
  quantity: number;
  unitPriceCents: number;
}

/** Who made a change of an order: the buyer, an admin, the payment provider, the expiry sweeper, or flashcart itself. */
export const ACTORS = ['customer', 'admin', 'payment', 'expiry', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

export interface OrderHistoryTable {
  id: Generated<number>;
  orderId: string;
  status: OrderStatus;
  reason: string | null;
  actor: Actor;
  at: ColumnType<Date, Date | string | undefined, never>;
}

export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
/** A payment's money going back: owed, then sent. */
export const REFUND_STATUSES = ['due', 'refunded'] as const;

export interface PaymentsTable {
  orderId: string;
  provider: string;
  providerPaymentId: string;
  amountCents: number;
  currency: string;
  status: Generated<PaymentStatus>;
  checkoutUrl: string;
  refundStatus: (typeof REFUND_STATUSES)[number] | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  completedAt: Date | null;
  refundDueAt: Date | null;
}

export interface PaymentEventsTable {
  provider: string;
  eventId: string;
  type: string;
  providerPaymentId: string;
  orderRef: string;
  amountCents: number;
  currency: string;
  payload: ColumnType<unknown, string, string>;
  outcome: string;
  receivedAt: CreatedAt;
}

export interface OutboxTable {
  id: Generated<number>;
  orderId: string | null;
  eventType: string;
  payload: ColumnType<unknown, string, string>;
  createdAt: CreatedAt;
  publishedAt: Date | null;
  /** When the RabbitMQ feed had the broker confirm it; stays null while no feed runs. */
  fedAt: Date | null;
}

/** `withheld`: a reminder its recipient turned off while it waited to be sent (EmailSender). */
export type EmailDeliveryStatus = 'pending' | 'sent' | 'failed' | 'withheld';

export interface EmailDeliveriesTable {
  key: string;
  recipient: string;
  template: string;
  status: EmailDeliveryStatus;
  attempts: Generated<number>;
  lastError: string | null;
  messageId: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  sentAt: Date | null;
}

export const FAILED_JOB_STATUSES = ['failed', 'retried', 'discarded'] as const;
export type FailedJobStatus = (typeof FAILED_JOB_STATUSES)[number];

export interface FailedJobsTable {
  id: Generated<number>;
  dedupeKey: string;
  queue: string;
  name: string;
  jobId: string | null;
  payload: ColumnType<unknown, string, string>;
  reason: string;
  stack: string | null;
  attempts: number;
  failedAt: ColumnType<Date, Date | string, never>;
  status: Generated<FailedJobStatus>;
  retriedAt: Date | null;
  discardedAt: Date | null;
}

export interface LowStockAlertsTable {
  sku: string;
  available: number;
  eventId: number;
  alertedAt: CreatedAt;
}

/** A cart's snapshot, written behind its live copy in Redis; lines and notices as JSON arrays. */
export interface CartsTable {
  userId: string;
  version: number;
  currency: string | null;
  lines: ColumnType<{ sku: string; quantity: number }[], string, string>;
  notices: ColumnType<{ sku: string; reason: 'deleted'; title: string; message: string }[], string, string>;
  updatedAt: ColumnType<Date, Date | string, Date | string>;
  persistedAt: ColumnType<Date, Date | string | undefined, Date | string>;
  /** The owner's last change (catalog changes move updatedAt only). */
  ownerTouchedAt: ColumnType<Date, Date | string, Date | string>;
  /** The ownerTouchedAt an abandoned-cart reminder was decided for; null: never. */
  remindedFor: Date | null;
  remindedVersion: number | null;
}

/** An account's choices of the mail that is not about an order; made with its first reminder. */
export interface MailPreferencesTable {
  userId: string;
  /** What the reminder's unsubscribe links carry. */
  token: Generated<string>;
  /** When the owner turned abandoned-cart reminders off; null while they are on. */
  cartRemindersOffAt: Date | null;
  createdAt: Generated<Date>;
}

/** A guest session whose orders an account took over when the guest signed in (migration 0012). */
export interface GuestAdoptionsTable {
  guestId: string;
  userId: string;
  adoptedAt: Generated<Date>;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface VendorsTable {
  id: Generated<string>;
  name: string;
  baseUrl: string;
  /** Lower goes first when fulfilment picks a vendor. */
  priority: Generated<number>;
  enabled: Generated<boolean>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  /** The last sync attempt, whatever its outcome. */
  lastSyncAt: Date | null;
  /** The last sync that succeeded. */
  lastSuccessAt: Date | null;
  lastSyncStatus: 'ok' | 'failed' | null;
  lastSyncError: string | null;
  circuit: Generated<CircuitState>;
  skuCount: Generated<number>;
}

export interface VendorStockTable {
  vendorId: string;
  sku: string;
  available: number;
  seenAt: Date;
}

/** `local`: nothing to order; `pending`: vendor units to order; `placed`: ordered from a vendor; `failed`: no vendor could. */
export type FulfilmentLineStatus = 'local' | 'pending' | 'placed' | 'failed';

export interface FulfilmentLinesTable {
  orderId: string;
  sku: string;
  localQuantity: number;
  vendorQuantity: number;
  status: FulfilmentLineStatus;
  updatedAt: UpdatedAt;
}

export interface VendorOrdersTable {
  orderId: string;
  sku: string;
  vendorId: string;
  /** Null with placedAt while the line is being placed with this vendor (an intent). */
  vendorOrderId: string | null;
  quantity: number;
  placedAt: Date | null;
}

export interface Database {
  users: UsersTable;
  categories: CategoriesTable;
  products: ProductsTable;
  inventory: InventoryTable;
  inventoryMovements: InventoryMovementsTable;
  orders: OrdersTable;
  orderLines: OrderLinesTable;
  orderHistory: OrderHistoryTable;
  payments: PaymentsTable;
  paymentEvents: PaymentEventsTable;
  outbox: OutboxTable;
  emailDeliveries: EmailDeliveriesTable;
  failedJobs: FailedJobsTable;
  lowStockAlerts: LowStockAlertsTable;
  carts: CartsTable;
  mailPreferences: MailPreferencesTable;
  guestAdoptions: GuestAdoptionsTable;
  vendors: VendorsTable;
  vendorStock: VendorStockTable;
  fulfilmentLines: FulfilmentLinesTable;
  vendorOrders: VendorOrdersTable;
}

export type UserRow = Selectable<UsersTable>;
export type InventoryRow = Selectable<InventoryTable>;
export type OrderRow = Selectable<OrdersTable>;
export type OrderLineRow = Selectable<OrderLinesTable>;
export type OrderHistoryRow = Selectable<OrderHistoryTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type FailedJobRow = Selectable<FailedJobsTable>;
export type CartRow = Selectable<CartsTable>;
export type VendorRow = Selectable<VendorsTable>;
