import { ApiError } from './client';

/**
 * The fields a 400 VALIDATION_FAILED refusal names. Schema validation answers "invalid body" (or
 * params, query) with `details.issues: [{in, path, message}]`, `path` a JSON pointer such as
 * `/shippingAddress/postalCode`: a form shows those in its own words rather than "invalid body".
 */

/** One thing the server found wrong: where (a JSON pointer, '' for the whole) and what. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The issues of a VALIDATION_FAILED refusal; none for any other error, or one that names no field. */
export function validationIssues(error: unknown): FieldIssue[] {
  if (!(error instanceof ApiError) || error.code !== 'VALIDATION_FAILED') return [];
  const issues = error.details.issues;
  if (!Array.isArray(issues)) return [];
  return issues.map((issue: { path?: unknown; message?: unknown }) => ({
    path: typeof issue?.path === 'string' ? issue.path : '',
    message: typeof issue?.message === 'string' ? issue.message : 'is not valid',
  }));
}

/** The entry of `fields` for `path`: its own, or that of the nearest path above it (`/items/0/quantity` finds `/items`). */
export function fieldAt<T>(path: string, fields: Readonly<Record<string, T>>): T | undefined {
  for (let at = path; at !== ''; at = at.slice(0, at.lastIndexOf('/'))) {
    if (Object.hasOwn(fields, at)) return fields[at];
  }
  return undefined;
}

/**
 * One complaint per field, named by its label in `labels` (JSON pointer → label): "Postal code: Too
 * small: …". A path with no label is named by the pointer's own words (`shippingAddress › line9`).
 */
export function complaintsOf(issues: FieldIssue[], labels: Readonly<Record<string, string>>): string[] {
  const byField = new Map<string, string>();
  for (const { path, message } of issues) {
    const field = fieldAt(path, labels) ?? path.replace(/^\//, '').replaceAll('/', ' › ');
    if (!byField.has(field)) byField.set(field, message);
  }
  return [...byField].map(([field, message]) => (field ? `${field}: ${message}` : message));
}
