import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

// ajv-formats is CommonJS: under ESM its default export is the module object.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

/** The parts of an OpenAPI 3 document the checks read. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, unknown> };
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: { in: string; name: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

/** An answer as the test client received it. */
export interface ReceivedAnswer {
  status: number;
  contentType: string | null;
  text: string;
}

interface Route {
  template: string;
  pattern: RegExp;
  /** Literal segments win over parameters when two templates match one path. */
  literalSegments: number;
  operations: Record<string, OpenApiOperation>;
}

/** The document and its browser are served beside the API but are not operations of it. */
const isDocumentation = (path: string) => path === '/docs' || path.startsWith('/docs/');

/**
 * Checks answers against the OpenAPI document the API serves: the operation is found by method
 * and path template, the status must be one the operation documents, and a JSON body must match
 * that status's schema. A path no operation has must be refused with a 4xx and the Error body.
 */
export class Contract {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema(document as object, 'openapi');
    this.routes = Object.entries(document.paths)
      .map(([template, operations]) => {
        const segments = template.split('/');
        const pattern = new RegExp(`^${segments.map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
        return { template, pattern, literalSegments: segments.filter((s) => !s.startsWith('{')).length, operations };
      })
      .sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** The operation that answers `method` on a concrete path, with its template. */
  operationOf(method: string, path: string): { template: string; operation: OpenApiOperation } | undefined {
    const route = this.routes.find((candidate) => candidate.pattern.test(path));
    const operation = route?.operations[method.toLowerCase()];
    return route && operation ? { template: route.template, operation } : undefined;
  }

  /** Throws, naming method, path, status and what is wrong, unless the document describes the answer. */
  check(method: string, url: string, answer: ReceivedAnswer): void {
    const path = url.split('?')[0]!;
    if (isDocumentation(path)) return;
    const violation = (what: string) => new Error(`${method} ${url} → ${answer.status}: ${what}\nbody: ${answer.text.slice(0, 1_000)}`);
    const found = this.operationOf(method, path);
    if (!found) {
      if (answer.status < 400 || answer.status >= 500) {
        throw violation('no documented operation has this method and path, so only a 4xx refusal may answer');
      }
      this.checkBody('#/components/schemas/Error', answer, violation);
      return;
    }
    const { template, operation } = found;
    const response = operation.responses[String(answer.status)];
    if (!response) {
      throw violation(`${operation.operationId} documents no ${answer.status} (only ${Object.keys(operation.responses).join(', ')})`);
    }
    if (!response.content) {
      if (answer.text !== '') throw violation(`${operation.operationId} documents no body for ${answer.status}`);
      return;
    }
    const mediaType = (answer.contentType ?? '').split(';')[0]!.trim();
    if (!response.content[mediaType]) {
      throw violation(`${operation.operationId} documents ${Object.keys(response.content).join(', ')} for ${answer.status}, not "${mediaType}"`);
    }
    if (mediaType !== 'application/json') return;
    const where = `#/paths/${pointer(template)}/${method.toLowerCase()}/responses/${answer.status}/content/${pointer(mediaType)}/schema`;
    this.checkBody(where, answer, violation);
  }

  private checkBody(schemaPointer: string, answer: ReceivedAnswer, violation: (what: string) => Error): void {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw violation('the body is not JSON');
    }
    let validate = this.validators.get(schemaPointer);
    if (!validate) {
      validate = this.ajv.getSchema(`openapi${schemaPointer}`);
      if (!validate) throw violation(`the document has no schema at ${schemaPointer}`);
      this.validators.set(schemaPointer, validate);
    }
    if (!validate(body)) {
      throw violation(`the body does not match ${schemaPointer}: ${this.ajv.errorsText(validate.errors, { separator: '; ' })}`);
    }
  }
}

/** A JSON pointer segment. */
const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

const contracts = new Map<string, Promise<Contract>>();

/** The document served at `${apiUrl}/docs/json`, fetched once per API and kept. */
export function contractOf(apiUrl: string): Promise<Contract> {
  let contract = contracts.get(apiUrl);
  if (!contract) {
    contract = fetchDocument(apiUrl).then((document) => new Contract(document));
    contracts.set(apiUrl, contract);
    // A failed fetch (the API not up yet) is tried again by the next request.
    contract.catch(() => contracts.delete(apiUrl));
  }
  return contract;
}

export async function fetchDocument(apiUrl: string): Promise<OpenApiDocument> {
  const response = await fetch(`${apiUrl}/docs/json`);
  if (response.status !== 200) throw new Error(`${apiUrl}/docs/json answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as OpenApiDocument;
}
