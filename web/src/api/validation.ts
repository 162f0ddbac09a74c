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

/** The key of `fields` that `path` falls under: its own, or the nearest path above it (`/items/0/quantity` finds `/items`). */
export function pointerAt(path: string, fields: Readonly<Record<string, unknown>>): string | undefined {
  for (let at = path; at !== ''; at = at.slice(0, at.lastIndexOf('/'))) {
    if (Object.hasOwn(fields, at)) return at;
  }
  return undefined;
}

/** The entry of `fields` for `path`: its own, or that of the nearest path above it (`/items/0/quantity` finds `/items`). */
export function fieldAt<T>(path: string, fields: Readonly<Record<string, T>>): T | undefined {
  const at = pointerAt(path, fields);
  return at === undefined ? undefined : fields[at];
}

/** One complaint of a refusal, and the path it is about: a key of the labels it was named by, or the issue's own path. */
export interface Complaint {
  path: string;
  text: string;
}

/**
 * One complaint per field, named by its label in `labels` (JSON pointer → label): "Postal code: Too
 * small: …". A path with no label is named by the pointer's own words (`shippingAddress › line9`).
 */
export function complaintsAt(issues: FieldIssue[], labels: Readonly<Record<string, string>>): Complaint[] {
  const byField = new Map<string, Complaint>();
  for (const { path, message } of issues) {
    const labelled = pointerAt(path, labels);
    const field = labelled !== undefined ? labels[labelled]! : path.replace(/^\//, '').replaceAll('/', ' › ');
    if (!byField.has(field)) byField.set(field, { path: labelled ?? path, text: field ? `${field}: ${message}` : message });
  }
  return [...byField.values()];
}

/** The texts of `complaintsAt`. */
export function complaintsOf(issues: FieldIssue[], labels: Readonly<Record<string, string>>): string[] {
  return complaintsAt(issues, labels).map((complaint) => complaint.text);
}
