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
 *
 * Every answer of a limited route to a request that is counted carries `x-ratelimit-limit`,
 * `x-ratelimit-remaining` and `x-ratelimit-reset` (seconds) for the tightest of its limits, a 429
 * also `retry-after`. The limits run as a preHandler, after validation (the account's limit reads
 * the email as the schema leaves it, in lower case) and after the token check: a request refused
 * before (400, 401) is not counted and carries none.
 *
 * A route's limits are counted together, by one handler of ours: the plugin's own handlers run once
 * per request, so a route's second one never counted (an account's logins spread over many
 * addresses were never limited).
 */
export async function registerRateLimits(app: FastifyInstance, redis: Redis, nameSpace: string, perMinute: number): Promise<RateLimits> {
  if (perMinute === 0) return { login: [], guest: [], order: [] };
  await app.register(rateLimit, { global: false, redis, nameSpace, max: perMinute, timeWindow: 60_000 });
  const counter = (name: string, key: (request: FastifyRequest) => string) =>
    app.createRateLimit({ keyGenerator: (request) => `${name}:${key(request)}` });
  const limited = (...counters: ReturnType<typeof counter>[]): preHandlerAsyncHookHandler[] => [
    async (request, reply) => {
      const counts = (await Promise.all(counters.map((count) => count(request)))).flatMap((count) => (count.isAllowed ? [] : [count]));
      if (counts.length === 0) return;
      // The usual headers tell a client where it stands against the tightest of the route's limits.
      const tightest = counts.reduce((a, b) => (b.remaining < a.remaining || (b.remaining === a.remaining && b.ttl > a.ttl) ? b : a));
      reply.header('x-ratelimit-limit', String(tightest.max));
      reply.header('x-ratelimit-remaining', String(tightest.remaining));
      reply.header('x-ratelimit-reset', String(tightest.ttlInSeconds));
      // How long each exceeded limit still refuses: the longest is when the request may come again.
      const waits = counts.flatMap((count) => (count.isExceeded ? [count.ttl] : []));
      if (waits.length === 0) return;
      const ttl = Math.max(...waits);
      const seconds = Math.ceil(ttl / 1_000);
      reply.header('retry-after', String(seconds));
      throw new AppError('RATE_LIMITED', `too many requests; retry in ${seconds} s`, { retryAfterMs: ttl });
    },
  ];
  const byIp = (request: FastifyRequest) => `ip:${request.ip}`;
  return {
    login: limited(
      counter('login', byIp),
      counter('login', (request) => `account:${String((request.body as { email?: unknown } | undefined)?.email ?? '')}`),
    ),
    guest: limited(counter('guest', byIp)),
    order: limited(
      counter('order', byIp),
      counter('order', (request) => `user:${request.authUser?.id ?? request.ip}`),
    ),
  };
}
