import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `Payment-Signature` header of payment webhooks (API.md, Payments):
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 *
 * The signed payload is the raw body exactly as it travelled, never a re-serialisation of the parsed
 * JSON, so the receiver must verify the bytes it read. The timestamp is inside the MAC, which is what
 * makes the tolerance window a defence against replays. A header may carry several `v1` entries (the
 * sender signs with the old and the new secret while a secret is rotated); one match is enough.
 */

/** Refuse webhooks signed further than this from the receiver's clock, in either direction. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_SCHEME = 'v1';
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** What `verifyWebhookSignature` found; only `ok` means the body came from the holder of the secret. */
export type WebhookSignatureCheck =
  | { status: 'ok'; timestamp: number }
  /** No usable `t=` or no well-formed `v1=` entry: not a signature header at all. */
  | { status: 'malformed' }
  /** Well-formed, but no `v1` entry matches the body under the secret. */
  | { status: 'bad-signature' }
  /** Authentic, but signed outside the tolerance window (too old, or from the future). */
  | { status: 'stale'; timestamp: number; skewSeconds: number };

type RawBody = string | Buffer;

function hmacHex(secret: string, timestamp: number, rawBody: RawBody): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/**
 * The header value signing `rawBody` at `nowSeconds`, with one `v1` entry per secret (give two
 * during a rotation: the current one first).
 */
export function signWebhook(secret: string | readonly string[], rawBody: RawBody, nowSeconds: number): string {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  const timestamp = Math.floor(nowSeconds);
  const entries = secrets.map((key) => `${SIGNATURE_SCHEME}=${hmacHex(key, timestamp, rawBody)}`);
  return [`t=${timestamp}`, ...entries].join(',');
}

/**
 * The header's timestamp and its well-formed `v1` entries. Lenient on what a sender or a proxy may
 * add around a good signature (an empty part, a trailing comma, an entry not of our form, the
 * header sent twice and joined with ", "): a provider refused for those retries in vain until the
 * order expires. Strict on the timestamp: one value, however often it is given.
 */
function parseHeader(header: string): { timestamp: number; signatures: Buffer[] } | undefined {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (!UNIX_SECONDS.test(value) || (timestamp !== undefined && timestamp !== Number(value))) return undefined;
      timestamp = Number(value);
    } else if (key === SIGNATURE_SCHEME && HEX_SHA256.test(value)) {
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (a provider's future v2, a test scheme) are skipped, as Stripe's verifiers do.
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/**
 * Checks a `Payment-Signature` header against the raw body. Comparison is constant-time per entry,
 * and every entry is compared (no early exit), so timing says nothing about which one was close.
 * Pass several secrets to accept either side of a rotation on the receiving end.
 */
export function verifyWebhookSignature(
  secret: string | readonly string[],
  rawBody: RawBody,
  header: string | undefined,
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
): WebhookSignatureCheck {
  const parsed = header === undefined ? undefined : parseHeader(header);
  if (!parsed) return { status: 'malformed' };
  const secrets = typeof secret === 'string' ? [secret] : secret;
  let matched = false;
  for (const key of secrets) {
    const expected = Buffer.from(hmacHex(key, parsed.timestamp, rawBody), 'hex');
    for (const candidate of parsed.signatures) {
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  if (!matched) return { status: 'bad-signature' };
  const skewSeconds = Math.floor(nowSeconds) - parsed.timestamp;
  if (Math.abs(skewSeconds) > toleranceSeconds) return { status: 'stale', timestamp: parsed.timestamp, skewSeconds };
  return { status: 'ok', timestamp: parsed.timestamp };
}
