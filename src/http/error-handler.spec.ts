import type { FastifyRequest } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../lib/errors.js';
import { toAppError } from './error-handler.js';

const request = () => ({ log: { warn: vi.fn(), error: vi.fn() }, url: '/x', method: 'GET' }) as unknown as FastifyRequest;

describe('toAppError', () => {
  it('keeps an AppError as it is', () => {
    const error = new AppError('INSUFFICIENT_STOCK', 'none left', { sku: 'A' });
    expect(toAppError(error, request())).toBe(error);
  });

  it("maps Fastify's client errors to codes", () => {
    const invalidJson = Object.assign(new Error('bad json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
    expect(toAppError(invalidJson, request())).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    const tooLarge = Object.assign(new Error('big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(toAppError(tooLarge, request())).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('answers an unreachable dependency with 503 and anything else with a 500 that hides the details', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toAppError(refused, request())).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    const cutMidTransaction = new Error('Client has encountered a connection error and is not queryable');
    expect(toAppError(cutMidTransaction, request())).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    const noReply = new Error('Command timed out');
    expect(toAppError(noReply, request())).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    const bug = toAppError(new TypeError('cannot read properties of undefined'), request());
    expect(bug).toMatchObject({ code: 'INTERNAL', status: 500, message: 'internal error' });
  });
});
