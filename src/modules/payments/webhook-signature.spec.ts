import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

const SECRET = 'whsec-test-secret-0123456789';
const NOW = 1_760_000_000;
const BODY = JSON.stringify({
  id: 'evt_1',
  type: 'payment.succeeded',
  data: { paymentId: 'pay_1', orderId: 'o-1', amountCents: 1234, currency: 'EUR' },
});

describe('signWebhook', () => {
  it('writes t=<seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, BODY, NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('signs once per secret during a rotation, each entry verifiable on its own', () => {
    const header = signWebhook(['new-secret-value-1', 'old-secret-value-1'], BODY, NOW);
    expect(header.split(',').filter((part) => part.startsWith('v1='))).toHaveLength(2);
    expect(verifyWebhookSignature('old-secret-value-1', BODY, header, NOW).status).toBe('ok');
    expect(verifyWebhookSignature('new-secret-value-1', BODY, header, NOW).status).toBe('ok');
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts a signature over the exact body within the window', () => {
    expect(verifyWebhookSignature(SECRET, BODY, signWebhook(SECRET, BODY, NOW), NOW + 299)).toEqual({ status: 'ok', timestamp: NOW });
  });

  it('verifies the raw bytes, so a Buffer body and its string agree', () => {
    const header = signWebhook(SECRET, Buffer.from(BODY), NOW);
    expect(verifyWebhookSignature(SECRET, BODY, header, NOW).status).toBe('ok');
  });

  it('refuses a tampered body', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    const tampered = BODY.replace('1234', '1');
    expect(verifyWebhookSignature(SECRET, tampered, header, NOW).status).toBe('bad-signature');
  });

  it('refuses a body re-serialised with different whitespace', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    expect(verifyWebhookSignature(SECRET, JSON.stringify(JSON.parse(BODY), null, 2), header, NOW).status).toBe('bad-signature');
  });

  it('refuses a signature made with another secret', () => {
    const header = signWebhook('some-other-secret-value', BODY, NOW);
    expect(verifyWebhookSignature(SECRET, BODY, header, NOW).status).toBe('bad-signature');
  });

  it('refuses a timestamp moved after signing (the timestamp is inside the MAC)', () => {
    const header = signWebhook(SECRET, BODY, NOW - 1_000).replace(`t=${NOW - 1_000}`, `t=${NOW}`);
    expect(verifyWebhookSignature(SECRET, BODY, header, NOW).status).toBe('bad-signature');
  });

  it('calls an authentic signature older than the tolerance stale', () => {
    const header = signWebhook(SECRET, BODY, NOW - 301);
    expect(verifyWebhookSignature(SECRET, BODY, header, NOW)).toEqual({ status: 'stale', timestamp: NOW - 301, skewSeconds: 301 });
  });

  it('calls an authentic signature from further than the tolerance in the future stale', () => {
    const header = signWebhook(SECRET, BODY, NOW + 301);
    expect(verifyWebhookSignature(SECRET, BODY, header, NOW)).toEqual({ status: 'stale', timestamp: NOW + 301, skewSeconds: -301 });
    expect(verifyWebhookSignature(SECRET, BODY, signWebhook(SECRET, BODY, NOW + 300), NOW).status).toBe('ok');
  });

  it('honours a custom tolerance', () => {
    const header = signWebhook(SECRET, BODY, NOW - 10);
    expect(verifyWebhookSignature(SECRET, BODY, header, NOW, 5).status).toBe('stale');
    expect(verifyWebhookSignature(SECRET, BODY, header, NOW, 10).status).toBe('ok');
  });

  it('accepts a header where any one of several v1 entries matches, and ignores other schemes', () => {
    const good = signWebhook(SECRET, BODY, NOW).split(',')[1]!;
    const header = `t=${NOW},v0=abc,v1=${'0'.repeat(64)},${good}`;
    expect(verifyWebhookSignature(SECRET, BODY, header, NOW).status).toBe('ok');
  });

  it('accepts a good signature among parts it cannot read: an empty part, a malformed entry, the header sent twice', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    for (const variant of [`${header},`, `${header},,v1=not-hex`, `${header},v1`, `${header}, ${header}`, ` ${header} `]) {
      expect(verifyWebhookSignature(SECRET, BODY, variant, NOW).status, variant).toBe('ok');
    }
  });

  it('accepts either secret on the receiving side during a rotation', () => {
    const header = signWebhook('old-secret-value-1', BODY, NOW);
    expect(verifyWebhookSignature(['new-secret-value-1', 'old-secret-value-1'], BODY, header, NOW).status).toBe('ok');
    expect(verifyWebhookSignature(['new-secret-value-1'], BODY, header, NOW).status).toBe('bad-signature');
  });

  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['no v1 entry', `t=${NOW}`],
    ['only another scheme', `t=${NOW},v0=${'a'.repeat(64)}`],
    ['a non-numeric timestamp', `t=yesterday,v1=${'a'.repeat(64)}`],
    ['a negative timestamp', `t=-5,v1=${'a'.repeat(64)}`],
    ['two different timestamps', `t=${NOW},t=${NOW - 1},v1=${signWebhook(SECRET, BODY, NOW).split(',')[1]!.slice(3)}`],
    ['a short signature', `t=${NOW},v1=${'a'.repeat(63)}`],
    ['a non-hex signature', `t=${NOW},v1=${'g'.repeat(64)}`],
    ['a part without "="', `t=${NOW},v1`],
    ['a bare signature', 'a'.repeat(64)],
  ])('calls %s malformed', (_label, header) => {
    expect(verifyWebhookSignature(SECRET, BODY, header, NOW).status).toBe('malformed');
  });
});
