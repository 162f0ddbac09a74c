import { isIP, isIPv4 } from 'node:net';
import { z } from 'zod';

/**
 * Every setting flashcart reads, parsed once from the environment into a frozen, typed object.
 * This is the only module that reads `process.env`; everything else receives a `Config`.
 */

const DEV_JWT_SECRET = 'flashcart-development-jwt-secret-do-not-use-in-production';
const DEV_WEBHOOK_SECRET = 'flashcart-development-webhook-secret';
const DEV_ADMIN_PASSWORD = 'admin-password';

const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes');

// Plain decimals only: Number() reads a blank value as 0 (RATE_LIMIT_PER_MINUTE=" " turned rate
// limiting off) and takes "0x50" or "1e3" as numbers an operator rarely means.
const int = (min: number, max: number = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number, in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** The longest delay a Node timer holds (2^31 - 1 ms); a longer one fires after 1 ms, over and over. */
const TIMER_MAX_MS = 2_147_483_647;
/** A period in ms that runs on a timer, from `min` up to what a timer holds. */
const timerMs = (min: number) => int(min, TIMER_MAX_MS);

const decimal = z
  .string()
  .trim()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a number, in decimal digits (a fraction after a ".")')
  .transform(Number);

/** The names proxy-addr knows for ranges of addresses. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IPv4 netmask: ones, then zeros. */
const isNetmask = (value: string) => {
  if (!isIPv4(value)) return false;
  const bits = value
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits);
};

/** One entry of TRUST_PROXY as Fastify (proxy-addr) takes it: an address, a CIDR, an address/netmask, or a range's name. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isNetmask(range);
}

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

const envSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: url(['http:', 'https:'])
    .refine((value) => {
      const parsed = URL.parse(value);
      return !parsed || (!parsed.username && !parsed.password && !parsed.search && !parsed.hash);
    }, 'must be a base URL, without credentials, query or fragment')
    .optional(),
  // Checked here: Fastify throws on a bad entry only when the API is built, with a stack trace.
  TRUST_PROXY: z
    .string()
    .trim()
    .refine(
      (value) => value === 'true' || value === 'false' || value.split(',').every((entry) => isProxyEntry(entry.trim())),
      "must be true, false, or the proxies' addresses or CIDRs, comma-separated (e.g. 10.0.0.0/8,127.0.0.1)",
    )
    .default('false'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/flashcart'),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, "_", "." or "-", at most 40')
    .default('fc'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_TTL_SECONDS: int(60).default(86_400),
  ADMIN_EMAIL: z.email().default('admin@flashcart.local'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  PAYMENT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  SMTP_SINK_PORT: int(0, 65535).default(2525),
  MAIL_FROM: z
    .string()
    .trim()
    .min(3)
    .max(200)
    .regex(/@/, 'must contain an address, e.g. "flashcart <no-reply@example.com>"')
    .default('flashcart <no-reply@flashcart.local>'),
  PSP_SIM_PORT: int(0, 65535).default(3100),
  PSP_SIM_PUBLIC_URL: url(['http:', 'https:']).optional(),
  PSP_SIM_WEBHOOK_URL: url(['http:', 'https:']).optional(),
  RESERVATION_TTL_SECONDS: int(1, 7 * 86_400).default(900),
  PAYMENT_HOLD_EXTENSION_SECONDS: int(0, 86_400).default(600),
  OUTBOX_RELAY_INTERVAL_MS: int(50, 60_000).default(500),
  IDEMPOTENCY_TTL_SECONDS: int(60).default(86_400),
  VENDOR_SYNC_INTERVAL_SECONDS: int(1, Math.floor(TIMER_MAX_MS / 1_000)).default(30),
  VENDOR_STALE_AFTER_SECONDS: int(1).optional(),
  VENDOR_TIMEOUT_MS: int(100, 600_000).default(5_000),
  VENDOR_BREAK_SECONDS: int(1, 86_400).default(30),
  // Fractions allowed, so a demo or a test can use minutes or seconds.
  ABANDONED_CART_AFTER_HOURS: decimal
    .pipe(
      z
        .number()
        .positive()
        .max(24 * 366),
    )
    .default(168),
  CART_REMINDER_INTERVAL_MS: timerMs(100).default(60_000),
  RATE_LIMIT_PER_MINUTE: int(0).default(120),
  AMQP_URL: url(['amqp:', 'amqps:']).optional(),
  AMQP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{0,40}$/, 'letters, digits, "_", "." or "-", at most 40')
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EXPIRY_SWEEP_INTERVAL_MS: timerMs(100).default(2_000),
  ORPHAN_GRACE_SECONDS: int(0).default(60),
  PERSIST_CONCURRENCY: int(1, 16).default(2),
  PERSIST_BATCH_SIZE: int(1, 1_000).default(500),
  JOB_LOCK_MS: timerMs(1_000).default(30_000),
  SEED_DEMO_CATALOG: flag.default(true),
  METRICS_PORT: int(0, 65535).optional(),
  CART_PERSIST_BATCH_SIZE: int(1, 5_000).default(500),
  CART_PERSIST_INTERVAL_MS: int(50, 600_000).default(5_000),
  CART_RECONCILE_INTERVAL_MS: timerMs(1_000).default(60_000),
  CART_STOCK_WATCH_INTERVAL_MS: timerMs(100).default(1_000),
  CART_STOCK_CACHE_MS: int(0, 60_000).default(100),
  STOCK_UPDATE_INTERVAL_MS: int(100, 60_000).default(500),
  VISITOR_SOCKETS_PER_ADDRESS: int(0).default(100),
  // The simulated vendors take consecutive ports from here, so leave room above it.
  VENDOR_SIM_BASE_PORT: int(0, 65_000).default(3200),
});

export interface Config {
  readonly port: number;
  /**
   * The shop's address as buyers' browsers reach it, without a trailing slash: the payment
   * provider sends buyers back to its order pages. Derived from PORT=0, it is the API's real
   * address once it listens in the same process.
   */
  readonly publicUrl: string;
  readonly host: string;
  /** Fastify's trustProxy: false, true (any), or comma-separated addresses/CIDRs of the proxies. */
  readonly trustProxy: boolean | string;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  readonly redisUrl: string;
  /** Prepended to every Redis key flashcart and BullMQ write, so runs sharing one Redis never collide. */
  readonly redisKeyPrefix: string;
  readonly jwtSecret: string;
  readonly jwtTtlSeconds: number;
  readonly adminEmail: string;
  readonly adminPassword: string;
  readonly paymentWebhookSecret: string;
  /** Outgoing mail server; unset: the built-in SMTP sink on smtpSinkPort. */
  readonly smtpUrl: string | undefined;
  /** Port of the built-in SMTP sink (always on 127.0.0.1), used when smtpUrl is unset. */
  readonly smtpSinkPort: number;
  /** The From header of every mail flashcart sends. */
  readonly mailFrom: string;
  /** Port of the payment simulator (the psp-sim role, dev/test only). */
  readonly pspSimPort: number;
  /**
   * Base URL of the payment simulator as buyers' browsers and the API reach it (checkout links,
   * payment creation). Derived from port 0, it is the simulator's real address once it listens in
   * the same process.
   */
  readonly pspSimPublicUrl: string;
  /**
   * Where the payment simulator sends its webhooks: the API's POST /api/payments/webhook. Derived
   * from PORT=0, it is the API's real address once it listens in the same process.
   */
  readonly pspSimWebhookUrl: string;
  readonly reservationTtlSeconds: number;
  /** How much longer an order holds its stock once its buyer starts paying (once per order). */
  readonly paymentHoldExtensionSeconds: number;
  /** How often the outbox relay moves committed side effects (mail) to the queues. */
  readonly outboxRelayIntervalMs: number;
  readonly idempotencyTtlSeconds: number;
  readonly vendorSyncIntervalSeconds: number;
  /** Vendor stock seen longer ago than this stops counting (default: three sync intervals). */
  readonly vendorStaleAfterSeconds: number;
  /** Longest wait for one answer of a vendor (one attempt). */
  readonly vendorTimeoutMs: number;
  /** How long an open vendor breaker fails calls fast before one probe call goes through. */
  readonly vendorBreakSeconds: number;
  /** How long a cart with lines goes untouched by its owner before its owner is reminded of it. */
  readonly abandonedCartAfterHours: number;
  /** How often carts are checked for being abandoned. */
  readonly cartReminderIntervalMs: number;
  /** 0 turns rate limiting off. */
  readonly rateLimitPerMinute: number;
  /** RabbitMQ for the event feed; unset: no feed. */
  readonly amqpUrl: string | undefined;
  /** Prepended to the feed's exchange and queue names, so installations (and test runs) sharing a broker never collide. */
  readonly amqpPrefix: string;
  readonly logLevel: string;
  readonly expirySweepIntervalMs: number;
  /** How long past its expiry a reservation with no order row waits before it may be released as an orphan. */
  readonly orphanGraceSeconds: number;
  /** Batches of accepted orders one worker process writes at once. */
  readonly persistConcurrency: number;
  /** Most accepted orders one persist batch (one statement, one commit) takes. */
  readonly persistBatchSize: number;
  /**
   * BullMQ lock duration, and how long a persist batch may go unacknowledged: a worker killed
   * mid-job or mid-batch has its work taken over after about this long.
   */
  readonly jobLockMs: number;
  readonly seedDemoCatalog: boolean;
  /** Where a process without the API serves /health, /ready and /metrics; unset: nowhere. */
  readonly metricsPort: number | undefined;
  /** Most dirty carts the persister writes in one upsert statement. */
  readonly cartPersistBatchSize: number;
  /** How often dirty carts are written to Postgres: every change of a cart within it costs one row write. */
  readonly cartPersistIntervalMs: number;
  /** How often carts in Redis are compared with their Postgres snapshots, and drift healed. */
  readonly cartReconcileIntervalMs: number;
  /** How often the SKUs held in carts are checked for selling out (or coming back). */
  readonly cartStockWatchIntervalMs: number;
  /**
   * How long an API instance answers cart changes with a stock level it read, while that level is
   * plentiful (at least the most units a cart line holds); 0: read for every change.
   */
  readonly cartStockCacheMs: number;
  /** How often an API instance samples the stock of the products its sockets watch: at most one `stock:update` per SKU per interval. */
  readonly stockUpdateIntervalMs: number;
  /** Sockets without a token one client address may hold open on one API instance; 0: no cap. */
  readonly visitorSocketsPerAddress: number;
  /** First port of the simulated vendors (`vendor-sim` role), one port per vendor upwards; 0: any free ports. */
  readonly vendorSimBasePort: number;
  /** Settings that fell back to development values; the CLI warns about each at start. */
  readonly developmentDefaults: readonly string[];
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

function parseTrustProxy(value: string): boolean | string {
  return value === 'true' || value === 'false' ? value === 'true' : value;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (or the given record) into a frozen Config; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(defined);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const developmentDefaults: string[] = [];
  if (!e.JWT_SECRET) developmentDefaults.push('JWT_SECRET');
  if (!e.ADMIN_PASSWORD) developmentDefaults.push('ADMIN_PASSWORD');
  if (!e.PAYMENT_WEBHOOK_SECRET) developmentDefaults.push('PAYMENT_WEBHOOK_SECRET');
  // The development values are in the source: anyone who can reach the port could sign admin tokens.
  if (developmentDefaults.length > 0 && !LOOPBACK_HOSTS.has(e.HOST)) {
    throw new ConfigError([
      `HOST=${e.HOST} makes flashcart reachable from other machines, but ${developmentDefaults.join(', ')} ` +
        `still have their development values: set them, or listen on 127.0.0.1`,
    ]);
  }

  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    adminEmail: e.ADMIN_EMAIL.toLowerCase(),
    adminPassword: e.ADMIN_PASSWORD ?? DEV_ADMIN_PASSWORD,
    paymentWebhookSecret: e.PAYMENT_WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET,
    smtpUrl: e.SMTP_URL,
    smtpSinkPort: e.SMTP_SINK_PORT,
    mailFrom: e.MAIL_FROM,
    pspSimPort: e.PSP_SIM_PORT,
    pspSimPublicUrl: (e.PSP_SIM_PUBLIC_URL ?? `http://127.0.0.1:${e.PSP_SIM_PORT}`).replace(/\/+$/, ''),
    pspSimWebhookUrl: e.PSP_SIM_WEBHOOK_URL ?? `http://127.0.0.1:${e.PORT}/api/payments/webhook`,
    reservationTtlSeconds: e.RESERVATION_TTL_SECONDS,
    paymentHoldExtensionSeconds: e.PAYMENT_HOLD_EXTENSION_SECONDS,
    outboxRelayIntervalMs: e.OUTBOX_RELAY_INTERVAL_MS,
    // At least an hour past the longest hold (a payment start extends it): a key forgotten while its
    // order is held reserves that order a second time, and the first reservation's units never come back.
    idempotencyTtlSeconds: Math.max(e.IDEMPOTENCY_TTL_SECONDS, e.RESERVATION_TTL_SECONDS + e.PAYMENT_HOLD_EXTENSION_SECONDS + 3_600),
    vendorSyncIntervalSeconds: e.VENDOR_SYNC_INTERVAL_SECONDS,
    vendorStaleAfterSeconds: e.VENDOR_STALE_AFTER_SECONDS ?? 3 * e.VENDOR_SYNC_INTERVAL_SECONDS,
    vendorTimeoutMs: e.VENDOR_TIMEOUT_MS,
    vendorBreakSeconds: e.VENDOR_BREAK_SECONDS,
    abandonedCartAfterHours: e.ABANDONED_CART_AFTER_HOURS,
    cartReminderIntervalMs: e.CART_REMINDER_INTERVAL_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    amqpUrl: e.AMQP_URL,
    amqpPrefix: e.AMQP_PREFIX,
    logLevel: e.LOG_LEVEL,
    expirySweepIntervalMs: e.EXPIRY_SWEEP_INTERVAL_MS,
    orphanGraceSeconds: e.ORPHAN_GRACE_SECONDS,
    persistConcurrency: e.PERSIST_CONCURRENCY,
    persistBatchSize: e.PERSIST_BATCH_SIZE,
    jobLockMs: e.JOB_LOCK_MS,
    seedDemoCatalog: e.SEED_DEMO_CATALOG,
    metricsPort: e.METRICS_PORT,
    vendorSimBasePort: e.VENDOR_SIM_BASE_PORT,
    cartPersistBatchSize: e.CART_PERSIST_BATCH_SIZE,
    cartPersistIntervalMs: e.CART_PERSIST_INTERVAL_MS,
    cartReconcileIntervalMs: e.CART_RECONCILE_INTERVAL_MS,
    cartStockWatchIntervalMs: e.CART_STOCK_WATCH_INTERVAL_MS,
    cartStockCacheMs: e.CART_STOCK_CACHE_MS,
    stockUpdateIntervalMs: e.STOCK_UPDATE_INTERVAL_MS,
    visitorSocketsPerAddress: e.VISITOR_SOCKETS_PER_ADDRESS,
    developmentDefaults: Object.freeze(developmentDefaults),
  });
}
