import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';

/**
 * The refusal of a body sent compressed, or undefined for one sent as is. Nothing here decompresses:
 * a gzipped JSON body was read as its compressed bytes and refused as "not valid UTF-8", which sent
 * its sender looking at the JSON rather than at the Content-Encoding.
 */
export function encodedBodyRefusal(request: FastifyRequest): AppError | undefined {
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') return undefined;
  return new AppError('UNSUPPORTED_MEDIA_TYPE', `send the body uncompressed: Content-Encoding ${encoding} is not accepted`, {
    contentEncoding: encoding,
  });
}

/**
 * JSON is the one body every route takes. The body is read as bytes and refused unless it is
 * UTF-8 (decoding it as text first would turn bad bytes into U+FFFD, which would then be stored),
 * then parsed by Fastify's own parser, which keeps its prototype-poisoning protection. An empty
 * body is no body: a route whose body is optional then needs none, and one whose body is required
 * says it is missing. `text/plain` is not accepted: a JSON route sent text gets 415, not a string.
 */
export function registerJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    const encoded = encodedBodyRefusal(request);
    if (encoded) return done(encoded, undefined);
    if (bytes.length === 0) return done(null, undefined);
    if (!isUtf8(bytes)) return done(new AppError('VALIDATION_FAILED', 'the body is not valid UTF-8'), undefined);
    parseJson(request, bytes.toString('utf8'), done);
  });
}
