import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import type { RateLimits } from '../../http/rate-limits.js';
import { loginBody, registerBody, session, user } from './auth.schemas.js';
import type { AuthService } from './auth.service.js';

export const authRoutes: FastifyPluginAsyncZod<{ auth: AuthService; limits: RateLimits }> = async (app, { auth, limits }) => {
  const { requireUser } = authHooks(auth);

  app.post(
    '/api/auth/register',
    { schema: { tags: ['auth'], body: registerBody, response: { 201: session } }, preHandler: limits.login },
    async (request, reply) => reply.code(201).send(await auth.register(request.body)),
  );

  app.post(
    '/api/auth/login',
    { schema: { tags: ['auth'], body: loginBody, response: { 200: session } }, preHandler: limits.login },
    async (request) => auth.login(request.body),
  );

  app.post('/api/auth/guest', { schema: { tags: ['auth'], response: { 201: session } }, preHandler: limits.guest }, async (_request, reply) =>
    reply.code(201).send(await auth.guest()),
  );

  app.get('/api/me', { schema: { tags: ['auth'], response: { 200: user } }, onRequest: requireUser }, async (request) => auth.me(callerOf(request)));
};
