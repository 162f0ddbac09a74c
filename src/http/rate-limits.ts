import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from '../lib/errors.js';

export interface RateLimits {
  login: preHandlerAsyncHookHandler[];
  guest: preHandlerAsyncHookHandler[];
  order: preHandlerAsyncHookHandler[];
}

/**
 * Redis-backed fixed-window limits, shared by every API instance: per IP and per account on login,
 * per IP on guest creation, per IP and per user on order creation. `perMinute = 0` turns them off.
 */
export async function registerRateLimits(app: FastifyInstance, redis: Redis, nameSpace: string, perMinute: number): Promise<RateLimits> {
  if (perMinute === 0) return { login: [], guest: [], order: [] };
  await app.register(rateLimit, {
    global: false,
    redis,
    nameSpace,
    max: perMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `too many requests; retry in ${context.after}`, { retryAfterMs: context.ttl }),
  });
  const limit = (name: string, key: (request: FastifyRequest) => string) =>
    app.rateLimit({ keyGenerator: (request) => `${name}:${key(request)}` }) as preHandlerAsyncHookHandler;
  const byIp = (request: FastifyRequest) => `ip:${request.ip}`;
  return {
    login: [limit('login', byIp), limit('login', (request) => `account:${String((request.body as { email?: unknown } | undefined)?.email ?? '')}`)],
    guest: [limit('guest', byIp)],
    order: [limit('order', byIp), limit('order', (request) => `user:${request.authUser?.id ?? request.ip}`)],
  };
}
