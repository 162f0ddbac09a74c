import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import { route } from '../../http/openapi.js';
import type { RateLimits } from '../../http/rate-limits.js';
import { loginBody, registerBody, session, user } from './auth.schemas.js';
import type { AuthService } from './auth.service.js';

export const authRoutes: FastifyPluginAsyncZod<{ auth: AuthService; limits: RateLimits }> = async (app, { auth, limits }) => {
  const { requireUser } = authHooks(auth);

  app.post(
    '/api/auth/register',
    {
      schema: route({
        operationId: 'registerUser',
        summary: 'Create a customer account',
        description:
          "With `guestToken` (the guest session used so far), the guest cart becomes the account's (`cartMerge` says how), and so do the guest's orders.",
        tags: ['auth'],
        access: 'public',
        rateLimited: true,
        body: registerBody,
        ok: { 201: { description: 'The account is created; the token authenticates it.', schema: session } },
        refusals: { 409: 'CONFLICT: an account with this email already exists.' },
      }),
      preHandler: limits.login,
    },
    async (request, reply) => reply.code(201).send(await auth.register(request.body)),
  );

  app.post(
    '/api/auth/login',
    {
      schema: route({
        operationId: 'loginUser',
        summary: 'Log in with email and password',
        description:
          "With `guestToken` (the guest session used so far), the guest cart is merged into the account's: quantities summed, " +
          'capped by the stock and the cart limits, reported line by line in `cartMerge`. A guest token that no longer verifies ' +
          "does not stop the login (`cartMerge.skipped` says why). A customer's account also takes over the guest's orders, " +
          'unless another account did first.',
        tags: ['auth'],
        access: 'public',
        rateLimited: true,
        body: loginBody,
        ok: { 200: { description: 'A new token for the account.', schema: session } },
        refusals: { 401: 'UNAUTHENTICATED: wrong email or password.' },
      }),
      preHandler: limits.login,
    },
    async (request) => auth.login(request.body),
  );

  app.post(
    '/api/auth/guest',
    {
      schema: route({
        operationId: 'createGuest',
        summary: 'Start a guest session',
        description: 'A guest can shop and order like a customer, without an account. No body is needed.',
        tags: ['auth'],
        access: 'public',
        rateLimited: true,
        ok: { 201: { description: 'A new guest user and its token.', schema: session } },
      }),
      preHandler: limits.guest,
    },
    async (_request, reply) => reply.code(201).send(await auth.guest()),
  );

  app.get(
    '/api/me',
    {
      schema: route({
        operationId: 'getCurrentUser',
        summary: 'The caller',
        tags: ['auth'],
        access: 'user',
        ok: { 200: { description: 'The user the token names.', schema: user } },
      }),
      onRequest: requireUser,
    },
    async (request) => auth.me(callerOf(request)),
  );
};
