import fc from 'fast-check';
import type { OpenApiDocument, OpenApiOperation } from './contract.js';

/** A JSON schema as the OpenAPI document gives it. */
type JsonSchema = Record<string, any>;

/** Arbitraries for values a request names by their field or parameter, so requests reach real data. */
export type Hints = Record<string, (fromSchema: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown>>;

/** A value resolved when the request is sent: the id of an order accepted earlier in the run. */
export interface KnownOrder {
  knownOrder: number;
}

export type Auth = 'none' | 'buyer' | 'admin' | 'badToken';

export interface GeneratedRequest {
  operationId: string;
  method: string;
  /** The path template and the value of each of its parameters. */
  template: string;
  params: Record<string, string | KnownOrder>;
  query: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** `null`: no Content-Type. */
  contentType: string | null;
  auth: Auth;
}

/** Strings a careless or hostile client sends. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '😀'.repeat(50),
    '\u202e',
    '../../etc/passwd',
    "'; DROP TABLE orders;--",
    '%00',
    '%zz',
    'null',
    '-1',
    '1e400',
    'x'.repeat(5_000),
  ),
);

/** Header values fetch will send: tab, printable ASCII and Latin-1 (it refuses other control characters itself). */
const HEADER_CHARACTERS = /^[\t\x20-\x7e\x80-\xff]*$/;
const headerValue = fc
  .string({ unit: fc.integer({ min: 0x09, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 300 })
  .filter((value) => HEADER_CHARACTERS.test(value));

/** Values of the wrong kind for any field. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  fc.constantFrom(null, true, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, [], {}, [1, 2], { a: { b: { c: [] } } }),
  fc.integer(),
);

/** A JSON body over the 256 KiB limit, printed short in a counterexample. */
const overSizeLimit = Object.assign(Buffer.from(`{"pad":"${'x'.repeat(300_000)}"}`), { [fc.toStringMethod]: () => '<300 KB of JSON>' });

/** Bodies that are not the JSON object a route takes. */
const badRawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom('{"items": [', '', '[]', 'null', '"x"', '{"a":1}{', 'NaN', '{"__proto__":{"admin":true}}', '{"a":"\\ud800"}', ' '.repeat(10)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ minLength: 1, maxLength: 200 }),
  fc.constant(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
  fc.constant(overSizeLimit),
);

export class RequestGenerator {
  constructor(
    private readonly document: OpenApiDocument,
    private readonly hints: Hints,
  ) {}

  /** An arbitrary that yields values `schema` accepts (or, for odd corners, values it refuses). */
  fromSchema(schema: JsonSchema, name?: string): fc.Arbitrary<unknown> {
    const arbitrary = this.plainFromSchema(schema);
    const hint = name ? this.hints[name] : undefined;
    return hint ? hint(arbitrary) : arbitrary;
  }

  private plainFromSchema(schema: JsonSchema): fc.Arbitrary<unknown> {
    if (schema.$ref) return this.fromSchema(this.resolve(schema.$ref));
    if (schema.allOf?.length === 1) return this.fromSchema(schema.allOf[0]);
    const options = schema.anyOf ?? schema.oneOf;
    let arbitrary: fc.Arbitrary<unknown>;
    // The first alternative is the usual shape (lines of an order rather than fromCart): drawn most.
    if (options)
      arbitrary = fc.oneof(
        ...options.map((option: JsonSchema, index: number) => ({ weight: index === 0 ? 3 : 1, arbitrary: this.fromSchema(option) })),
      );
    else if (schema.enum) arbitrary = fc.constantFrom(...schema.enum);
    else if (schema.type === 'object') arbitrary = this.objectFrom(schema);
    else if (schema.type === 'array') {
      const minLength = schema.minItems ?? 0;
      arbitrary = fc.array(this.fromSchema(schema.items), { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 4, 4)) });
    } else if (schema.type === 'string') arbitrary = stringFrom(schema);
    else if (schema.type === 'integer' || schema.type === 'number') {
      const min = Math.max(schema.minimum ?? -1e9, Number.MIN_SAFE_INTEGER);
      const max = Math.min(schema.maximum ?? 1e9, Number.MAX_SAFE_INTEGER);
      arbitrary = fc.integer({ min, max });
    } else if (schema.type === 'boolean') arbitrary = fc.boolean();
    else arbitrary = fc.jsonValue({ maxDepth: 2 });
    if (schema.not?.enum) arbitrary = arbitrary.filter((value) => !schema.not.enum.includes(value));
    return schema.nullable ? fc.option(arbitrary, { nil: null }) : arbitrary;
  }

  private objectFrom(schema: JsonSchema): fc.Arbitrary<unknown> {
    const properties: Record<string, JsonSchema> = schema.properties ?? {};
    const model = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, this.fromSchema(property, key)]));
    const record = fc.record(model, { requiredKeys: schema.required ?? [] });
    return schema.minProperties ? record.filter((value) => Object.keys(value).length >= schema.minProperties) : record;
  }

  private resolve(ref: string): JsonSchema {
    const name = ref.replace('#/components/schemas/', '');
    const schema = this.document.components?.schemas?.[name];
    if (!schema) throw new Error(`the document has no ${ref}`);
    return schema as JsonSchema;
  }

  /** A JSON value that breaks `valid`: a field missing, of the wrong kind, extra, or far too big. */
  private mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
    return fc.tuple(valid, fc.nat(), fc.constantFrom('remove', 'replace', 'add', 'huge'), wrongValue).map(([value, pick, how, wrong]) => {
      const copy = structuredClone(value);
      const places = containers(copy);
      const [container, key] = places[pick % places.length] ?? [undefined, undefined];
      if (!container || key === undefined) return wrong;
      const target = container as Record<string, unknown>;
      if (how === 'remove') delete target[key];
      else if (how === 'replace') target[key] = wrong;
      else if (how === 'add') target[`unexpected${key}`] = wrong;
      else target[key] = typeof target[key] === 'string' ? 'x'.repeat(10_000) : Array.from({ length: 2_000 }, () => target[key]);
      return copy;
    });
  }

  /** Requests to one operation: valid, a little wrong, or far off. */
  requestsFor(method: string, template: string, operation: OpenApiOperation): fc.Arbitrary<GeneratedRequest> {
    const parameters = operation.parameters ?? [];
    const path = parameters.filter((p) => p.in === 'path');
    const query = parameters.filter((p) => p.in === 'query');
    const headers = parameters.filter((p) => p.in === 'header');

    const params = fc.record(
      Object.fromEntries(
        path.map((p) => [
          p.name,
          fc.oneof(
            {
              weight: 6,
              arbitrary: this.fromSchema(p.schema, p.name).map((value) =>
                typeof value === 'object' ? value : encodeURIComponent(String(value).toWellFormed()),
              ),
            },
            { weight: 1, arbitrary: oddString.map((value) => (value === '%zz' ? value : encodeURIComponent(value.toWellFormed()))) },
          ),
        ]),
      ),
    ) as fc.Arbitrary<Record<string, string | KnownOrder>>;

    const queryString = fc
      .tuple(
        fc.record(
          Object.fromEntries(
            query.map((p) => [p.name, fc.oneof({ weight: 4, arbitrary: this.fromSchema(p.schema, p.name) }, { weight: 1, arbitrary: oddString })]),
          ),
          { requiredKeys: [] },
        ),
        fc.oneof(
          { weight: 6, arbitrary: fc.constant('') },
          { weight: 1, arbitrary: fc.constantFrom('unknown=1', 'page=1&page=2', 'limit=', '%zz=1') },
        ),
      )
      .map(([values, extra]) => {
        const search = new URLSearchParams(Object.entries(values).map(([key, value]): [string, string] => [key, String(value)]));
        return [search.toString(), extra].filter(Boolean).join('&');
      });

    const headerValues = fc
      .record(
        Object.fromEntries(
          headers.map((p) => [
            p.name,
            fc.oneof(
              { weight: 12, arbitrary: this.fromSchema(p.schema, p.name).map(String) },
              { weight: 1, arbitrary: fc.constant(undefined) },
              { weight: 1, arbitrary: headerValue },
              {
                weight: 1,
                arbitrary: fc.string({ unit: 'binary-ascii', minLength: 256, maxLength: 8_000 }).map((v) => v.replace(/[^\t\x20-\x7e]/g, 'x')),
              },
            ),
          ]),
        ),
      )
      .map((values) => Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Record<string, string>);

    const schema = operation.requestBody?.content['application/json']?.schema;
    const json = (value: unknown) => ({
      body: JSON.stringify(value) as string | Uint8Array | undefined,
      contentType: 'application/json' as string | null,
    });
    const noBody = fc.constant({ body: undefined as string | Uint8Array | undefined, contentType: null as string | null });
    const wrongType = fc.constantFrom(null, 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/json; charset=latin1');
    const body = schema
      ? fc.oneof(
          { weight: 8, arbitrary: this.fromSchema(schema).map(json) },
          { weight: 4, arbitrary: this.mutated(this.fromSchema(schema)).map(json) },
          { weight: 1, arbitrary: badRawBody.map((raw) => ({ body: raw, contentType: 'application/json' })) },
          {
            weight: 1,
            arbitrary: fc.tuple(this.fromSchema(schema), wrongType).map(([value, contentType]) => ({ body: JSON.stringify(value), contentType })),
          },
          { weight: 1, arbitrary: noBody },
        )
      : method === 'get'
        ? noBody
        : fc.oneof(
            { weight: 8, arbitrary: noBody },
            { weight: 1, arbitrary: badRawBody.map((raw) => ({ body: raw, contentType: 'application/json' })) },
          );

    const protectedRoute = (operation as { security?: unknown }).security !== undefined;
    const usual: Auth = !protectedRoute ? 'none' : template.startsWith('/api/admin') ? 'admin' : 'buyer';
    const auth = fc.oneof(
      { weight: 8, arbitrary: fc.constant(usual) },
      { weight: 2, arbitrary: fc.constantFrom<Auth>('none', 'buyer', 'admin', 'badToken') },
    );

    return fc.record({ params, query: queryString, headers: headerValues, body, auth }).map((parts) => ({
      operationId: operation.operationId ?? `${method} ${template}`,
      method: method.toUpperCase(),
      template,
      params: parts.params,
      query: parts.query,
      headers: parts.headers,
      body: parts.body.body,
      contentType: parts.body.contentType,
      auth: parts.auth,
    }));
  }
}

/** Every (object or array, key) in a JSON value, for a mutation to pick from. */
function containers(value: unknown): [object, string][] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [[value, key] as [object, string], ...containers(child)]);
}

function stringFrom(schema: JsonSchema): fc.Arbitrary<unknown> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 60;
  const fits = (value: string) => value.length >= minLength && value.length <= maxLength;
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  if (schema.format === 'uuid') return fc.uuid();
  // fast-check counts graphemes, the API UTF-16 units.
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength, maxLength: Math.min(maxLength, 60) }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, 60) }).filter(fits) },
  );
}
