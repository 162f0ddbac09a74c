import { describe, expect, it } from 'vitest';
import { API_TYPES_PATH, generateApiTypes, readCommittedApiTypes } from '../scripts/api-types.js';

describe('the web client types', () => {
  it('match the OpenAPI document the API serves (npm run gen:api rewrites them)', async () => {
    const committed = await readCommittedApiTypes();
    const generated = await generateApiTypes();
    expect(committed.length, `${API_TYPES_PATH} is missing: run npm run gen:api`).toBeGreaterThan(0);
    // Compared as text: a stale file fails here with the lines that differ.
    expect(committed, `${API_TYPES_PATH} is stale: run npm run gen:api and commit it`).toBe(generated);
  });
});
