import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives safe local defaults for an empty environment and names the development values', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      trustProxy: false,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/flashcart',
      redisUrl: 'redis://127.0.0.1:6379',
      reservationTtlSeconds: 900,
      vendorSyncIntervalSeconds: 30,
      abandonedCartAfterHours: 168,
      rateLimitPerMinute: 120,
      smtpUrl: undefined,
      amqpUrl: undefined,
      vendorSimBasePort: 3200,
      vendorStaleAfterSeconds: 90,
      vendorTimeoutMs: 5_000,
      vendorBreakSeconds: 30,
      amqpPrefix: '',
      visitorSocketsPerAddress: 100,
    });
    expect(config.developmentDefaults).toEqual(['JWT_SECRET', 'ADMIN_PASSWORD', 'PAYMENT_WEBHOOK_SECRET']);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads and coerces every documented variable', () => {
    const config = loadConfig({
      PORT: '8080',
      RESERVATION_TTL_SECONDS: '60',
      RATE_LIMIT_PER_MINUTE: '0',
      JWT_SECRET: 'x'.repeat(32),
      ADMIN_EMAIL: 'Boss@Example.com',
      SEED_DEMO_CATALOG: 'false',
      VENDOR_SIM_BASE_PORT: '4100',
      VENDOR_SYNC_INTERVAL_SECONDS: '10',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      AMQP_PREFIX: 'test.',
    });
    expect(config).toMatchObject({
      vendorSyncIntervalSeconds: 10,
      vendorStaleAfterSeconds: 30,
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      amqpPrefix: 'test.',
      port: 8080,
      reservationTtlSeconds: 60,
      rateLimitPerMinute: 0,
      adminEmail: 'boss@example.com',
      seedDemoCatalog: false,
      vendorSimBasePort: 4100,
    });
    expect(config.developmentDefaults).not.toContain('JWT_SECRET');
  });

  it('refuses to listen beyond this machine with development secrets', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/JWT_SECRET, ADMIN_PASSWORD, PAYMENT_WEBHOOK_SECRET/);
    const secrets = { JWT_SECRET: 'j'.repeat(32), ADMIN_PASSWORD: 'admin-secret', PAYMENT_WEBHOOK_SECRET: 'w'.repeat(16) };
    expect(loadConfig({ HOST: '0.0.0.0', ...secrets }).host).toBe('0.0.0.0');
  });

  it('reads which proxies to trust for client addresses', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).trustProxy).toBe('10.0.0.0/8,127.0.0.1');
  });

  it('places the payment simulator and the SMTP sink on their own ports, each overridable', () => {
    expect(loadConfig({ PORT: '8080' })).toMatchObject({
      pspSimPort: 3100,
      pspSimPublicUrl: 'http://127.0.0.1:3100',
      pspSimWebhookUrl: 'http://127.0.0.1:8080/api/payments/webhook',
      smtpSinkPort: 2525,
      mailFrom: 'flashcart <no-reply@flashcart.local>',
    });
    const config = loadConfig({
      PSP_SIM_PORT: '3200',
      PSP_SIM_PUBLIC_URL: 'https://pay.example.test/',
      PSP_SIM_WEBHOOK_URL: 'https://shop.example.test/api/payments/webhook',
      SMTP_SINK_PORT: '2600',
      MAIL_FROM: 'Shop <shop@example.test>',
    });
    expect(config).toMatchObject({
      pspSimPort: 3200,
      pspSimPublicUrl: 'https://pay.example.test',
      pspSimWebhookUrl: 'https://shop.example.test/api/payments/webhook',
      smtpSinkPort: 2600,
      mailFrom: 'Shop <shop@example.test>',
    });
    expect(loadConfig({ PSP_SIM_PORT: '3200' }).pspSimPublicUrl).toBe('http://127.0.0.1:3200');
  });

  it('refuses a simulator URL that is not http(s) and a sender without an address', () => {
    expect(() => loadConfig({ PSP_SIM_PUBLIC_URL: 'ftp://x' })).toThrow(/PSP_SIM_PUBLIC_URL/);
    expect(() => loadConfig({ PSP_SIM_WEBHOOK_URL: 'not a url' })).toThrow(/PSP_SIM_WEBHOOK_URL/);
    expect(() => loadConfig({ MAIL_FROM: 'flashcart' })).toThrow(/MAIL_FROM/);
    expect(() => loadConfig({ SMTP_SINK_PORT: '70000' })).toThrow(/SMTP_SINK_PORT/);
  });

  it('refuses a period longer than a timer can hold (2^31 - 1 ms), which would fire every millisecond', () => {
    for (const name of [
      'JOB_LOCK_MS',
      'EXPIRY_SWEEP_INTERVAL_MS',
      'CART_REMINDER_INTERVAL_MS',
      'CART_RECONCILE_INTERVAL_MS',
      'CART_STOCK_WATCH_INTERVAL_MS',
    ]) {
      expect(() => loadConfig({ [name]: '2147483648' })).toThrow(new RegExp(name));
      expect(loadConfig({ [name]: '2147483647' })).toBeDefined();
    }
    expect(() => loadConfig({ VENDOR_SYNC_INTERVAL_SECONDS: '2147484' })).toThrow(/VENDOR_SYNC_INTERVAL_SECONDS/);
  });

  it('reads when a cart counts as abandoned, in hours or a fraction of one, and how often carts are checked', () => {
    expect(loadConfig({})).toMatchObject({ abandonedCartAfterHours: 168, cartReminderIntervalMs: 60_000 });
    expect(loadConfig({ ABANDONED_CART_AFTER_HOURS: '0.25', CART_REMINDER_INTERVAL_MS: '500' })).toMatchObject({
      abandonedCartAfterHours: 0.25,
      cartReminderIntervalMs: 500,
    });
    expect(() => loadConfig({ ABANDONED_CART_AFTER_HOURS: '0' })).toThrow(/ABANDONED_CART_AFTER_HOURS/);
  });

  it("takes the shop's public address for the links that lead buyers back, defaulting to this machine's port", () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://shop.example.test/store/' }).publicUrl).toBe('https://shop.example.test/store');
    for (const bad of ['javascript:alert(1)', 'ftp://shop.example.test', 'https://shop.example.test/?next=x', 'https://u:p@shop.example.test']) {
      expect(() => loadConfig({ PUBLIC_URL: bad })).toThrow(/PUBLIC_URL/);
    }
  });

  it('keeps idempotency records at least an hour longer than a reservation, its payment extension included', () => {
    expect(loadConfig({ RESERVATION_TTL_SECONDS: '86400', IDEMPOTENCY_TTL_SECONDS: '60' }).idempotencyTtlSeconds).toBe(90_600);
    expect(
      loadConfig({ RESERVATION_TTL_SECONDS: '60', PAYMENT_HOLD_EXTENSION_SECONDS: '86400', IDEMPOTENCY_TTL_SECONDS: '60' }).idempotencyTtlSeconds,
    ).toBe(90_060);
  });

  it('lists every invalid setting in one clear error', () => {
    let thrown: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        JWT_SECRET: 'short',
        RESERVATION_TTL_SECONDS: '-5',
        VENDOR_SIM_BASE_PORT: '65535',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const named = (thrown as ConfigError).problems.map((problem) => problem.split(':')[0]);
    expect(named.sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'PORT', 'RESERVATION_TTL_SECONDS', 'VENDOR_SIM_BASE_PORT']);
  });
});
