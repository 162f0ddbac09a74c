import { hash } from 'node:crypto';

export const sha256Hex = (text: string) => hash('sha256', text, 'hex');

/**
 * JSON with object keys sorted, so two equal values always give the same text. For the plain
 * JSON values a parsed request body holds (no toJSON, no functions); undefined members are left out.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const inner = (value as Record<string, unknown>)[key];
    if (inner !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(inner)}`);
  }
  return `{${members.join(',')}}`;
}

/** A UUID (version 8, RFC 9562) derived from a name: the same name always gives the same id. */
export function uuidFromName(name: string): string {
  const bytes = hash('sha256', name, 'buffer').subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
