import { useEffect, useRef } from 'react';
import { ApiError, type OrderStatus } from '../api/client';
import { complaintsOf, validationIssues } from '../api/validation';
import { formatMoney, minorDigits, parseMoney } from '../lib/money';

/** A form's fields, by the JSON pointer of what each fills in the request body: `name` is the input's, `label` what the form calls it. */
export type FormFields = Readonly<Record<string, { name: string; label: string }>>;

/** The labels of a form's fields by JSON pointer, as messageOf takes them. */
export const labelsOf = (fields: FormFields): Readonly<Record<string, string>> =>
  Object.fromEntries(Object.entries(fields).map(([path, field]) => [path, field.label]));

/** The product forms' fields, by the JSON pointer of what each fills in a product. */
export const PRODUCT_FIELDS: FormFields = {
  '/sku': { name: 'sku', label: 'SKU' },
  '/title': { name: 'title', label: 'Title' },
  '/priceCents': { name: 'price', label: 'Price' },
  '/currency': { name: 'currency', label: 'Currency' },
  '/category': { name: 'category', label: 'Category' },
  '/description': { name: 'description', label: 'Description' },
  '/onHand': { name: 'onHand', label: 'Units on hand' },
  '/lowStockThreshold': { name: 'threshold', label: 'Low-stock threshold' },
};

const PRODUCT_LABELS = labelsOf(PRODUCT_FIELDS);

/**
 * What a refused change says, in the server's words. A body that breaks its schema is refused as
 * "invalid body" (VALIDATION_FAILED): what is said instead is each field at fault, by its label in
 * `labels` (JSON pointer → label) or else its path, and what it got wrong.
 */
export function messageOf(error: unknown, fallback = 'The change failed.', labels: Readonly<Record<string, string>> = PRODUCT_LABELS): string {
  if (!(error instanceof ApiError)) return fallback;
  const issues = validationIssues(error);
  return issues.length > 0 ? complaintsOf(issues, labels).join('; ') : error.message;
}

/** What the console asks for, as a past participle: "can no longer be …". */
const DONE: Partial<Record<OrderStatus, string>> = { CANCELLED: 'cancelled', FULFILLED: 'fulfilled', FAILED: 'failed' };

/**
 * Why a status change was refused, for the admin. The server's INVALID_STATE message is for
 * developers ("order <full id> is CANCELLED; it cannot become CANCELLED"): it is said from
 * `details.status` instead, with the order's short id, as the console shows it. Any other refusal
 * is said in the server's words (see messageOf).
 */
export function transitionRefusal(error: unknown, short: string, to: OrderStatus): string {
  if (!(error instanceof ApiError) || error.code !== 'INVALID_STATE') return messageOf(error);
  const { status, paymentId } = error.details;
  // A confirmation refused while a payment is under way says which payment: the server's words.
  if (typeof status !== 'string' || paymentId !== undefined) return messageOf(error);
  if (status === to) return `Order ${short} is already ${status}: nothing to do.`;
  return `Order ${short} is ${status} now, so it can no longer be ${DONE[to] ?? `made ${to}`}.`;
}

/**
 * The input (its name) of a form that a refusal is about, to mark it invalid: the first field the
 * schema refused or, for a refusal that names no issue, the field its details name (a vendor's
 * `{name}` or a category's `{slug}` taken, a product's `{category}` unknown).
 */
export function refusedField(error: unknown, fields: FormFields = PRODUCT_FIELDS): string | undefined {
  for (const { path } of validationIssues(error)) {
    const field = fields[path];
    if (field) return field.name;
  }
  if (!(error instanceof ApiError) || (error.code !== 'CONFLICT' && error.code !== 'VALIDATION_FAILED')) return undefined;
  for (const key of Object.keys(error.details)) {
    const field = fields[`/${key}`];
    if (field) return field.name;
  }
  return undefined;
}

/**
 * The attributes of a form's input named `field`: marked invalid, and tied to the message `problemId`,
 * when it is `invalidField`, the one the problem is about (for the eye and for a screen reader).
 */
export const invalidMarks = (invalidField: string | undefined, problemId: string) => (field: string) =>
  field === invalidField ? { 'aria-invalid': true, 'aria-describedby': problemId } : {};

/** The most a product's price may be, in minor units (the API's `priceCents` maximum). */
const MAX_PRICE_CENTS = 100_000_000;

/**
 * A price the admin typed, in minor units, or why it is none: in the currency's own units, as the
 * admin typed it (not the validator's "<=100000000" in cents).
 */
export function readPrice(typed: string, currency: string): number | string {
  const cents = parseMoney(typed, currency);
  if (cents === undefined) return priceRefusal(currency);
  if (cents > MAX_PRICE_CENTS) return `Price: at most ${formatMoney(MAX_PRICE_CENTS, currency)}.`;
  return cents;
}

/**
 * Why a typed price was not taken. Prices are read from their digits (see parseMoney), so what a
 * number field also takes, such as 1e3, is refused here, in both product forms alike.
 */
function priceRefusal(currency: string): string {
  const digits = minorDigits(currency);
  const example = digits > 0 ? `12.${'5'.padEnd(digits, '0')}` : '1250';
  const decimals = digits > 0 ? `at most ${digits} decimals` : 'no decimals';
  return `Price: give an amount in ${currency} in digits, such as ${example} (${decimals}).`;
}

/** A refusal shown beside the control that caused it (nothing when there is none): a line of its own, or `inline` after a button. */
export function Refusal({ text, inline = false, id }: { text: string | undefined; inline?: boolean; id?: string }) {
  if (!text) return null;
  const Tag = inline ? 'span' : 'p';
  return (
    <Tag role="alert" className="stock out" id={id}>
      {text}
    </Tag>
  );
}

/**
 * A form's refusal `problem`, beside the field it is about: `marked(field)` gives each input its
 * marks (see invalidMarks), and `at(field)` the message under the input named `invalidField`; `at()`
 * gives it under the form's button when it is about none of the form's fields. A form calls `at`
 * for each field a refusal can name, or the message is not shown.
 */
export function fieldRefusal(problem: string | undefined, invalidField: string | undefined, problemId: string) {
  const field = problem ? invalidField : undefined;
  return {
    marked: invalidMarks(field, problemId),
    at: (name?: string) => (name === field ? <Refusal text={problem} id={problemId} /> : null),
  };
}

/**
 * Calls `drop` whenever `settled` (how many changes have succeeded on the page) moves, and once at
 * first: a form's refusal no longer stands once another change on the page went through.
 */
export function useDropOnSettled(settled: number, drop: () => void): void {
  const latest = useRef(drop);
  latest.current = drop;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when another change on the page succeeds
  useEffect(() => latest.current(), [settled]);
}
