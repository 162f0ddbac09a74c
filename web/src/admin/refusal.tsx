import { ApiError } from '../api/client';

/**
 * What a refused change says, in the server's words. A body that breaks its schema is refused as
 * "invalid body" (VALIDATION_FAILED): the fields at fault and what each got wrong follow it.
 */
export function messageOf(error: unknown, fallback = 'The change failed.'): string {
  if (!(error instanceof ApiError)) return fallback;
  const issues = error.details.issues;
  if (!Array.isArray(issues) || issues.length === 0) return error.message;
  const complaints = issues.map((issue: { path?: unknown; message?: unknown }) => {
    const field = String(issue.path ?? '').replace(/^\//, '');
    return field ? `${field}: ${String(issue.message)}` : String(issue.message);
  });
  return `${error.message}: ${complaints.join('; ')}`;
}

/** A refusal shown beside the control that caused it (nothing when there is none): a line of its own, or `inline` after a button. */
export function Refusal({ text, inline = false }: { text: string | undefined; inline?: boolean }) {
  if (!text) return null;
  const Tag = inline ? 'span' : 'p';
  return (
    <Tag role="alert" className="stock out">
      {text}
    </Tag>
  );
}
