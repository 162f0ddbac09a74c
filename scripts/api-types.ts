import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { loadConfig } from '../src/config.js';
import { Container } from '../src/container.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/lib/logger.js';
import { deleteRedisPrefix, uniqueName } from '../test/support/stores.js';

/**
 * The web client's types come from the OpenAPI document the API serves at /docs/json, built here
 * in-process (no server listens, nothing is read or written in Postgres; the queues' few Redis keys
 * go under a prefix of its own, deleted after), so they can never drift
 * from the zod schemas behind the routes. `npm run gen:api` rewrites the file; a test regenerates
 * it and fails when the committed one is stale.
 */

export const API_TYPES_PATH = fileURLToPath(new URL('../web/src/api/schema.d.ts', import.meta.url));

const HEADER = `/**
 * Generated from the OpenAPI document by \`npm run gen:api\` (scripts/api-types.ts): do not edit.
 * test/web-api-types.test.ts fails when it no longer matches the API.
 */

`;

/** The OpenAPI document of the API as /docs/json serves it. */
export async function buildOpenapiDocument(): Promise<OpenAPI3> {
  const prefix = uniqueName('fc_openapi');
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    REDIS_URL: process.env.REDIS_URL,
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_KEY_PREFIX: prefix,
  });
  const container = new Container(config, createLogger('silent'));
  try {
    const app = await buildApp(container);
    await app.ready();
    const document = app.swagger() as unknown as OpenAPI3;
    await app.close();
    return document;
  } finally {
    await container.close();
    await deleteRedisPrefix(config.redisUrl, prefix);
  }
}

/** The TypeScript declarations of the API's paths, operations and schemas. */
export async function generateApiTypes(): Promise<string> {
  const ast = await openapiTS(await buildOpenapiDocument(), { alphabetize: true, defaultNonNullable: false });
  return HEADER + astToString(ast);
}

export async function readCommittedApiTypes(): Promise<string> {
  return readFile(API_TYPES_PATH, 'utf8').catch(() => '');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const types = await generateApiTypes();
  if (types === (await readCommittedApiTypes())) {
    console.log(`${API_TYPES_PATH} is up to date`);
  } else {
    await writeFile(API_TYPES_PATH, types);
    console.log(`wrote ${API_TYPES_PATH}`);
  }
}
