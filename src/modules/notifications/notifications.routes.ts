import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks } from '../../http/auth-hooks.js';
import { errorResponse } from '../../lib/http-schemas.js';
import type { AuthService } from '../auth/auth.service.js';
import { type Mailbox, mailboxPage, mailboxQuery } from './mailbox.js';

export const notificationsRoutes: FastifyPluginAsyncZod<{ auth: AuthService; mailbox: Mailbox }> = async (app, { auth, mailbox }) => {
  app.get(
    '/api/admin/mailbox',
    {
      schema: {
        tags: ['admin'],
        summary: 'List the mail the built-in SMTP sink received (development)',
        description: 'Newest first; `to` filters by recipient. Empty when SMTP_URL sends mail elsewhere.',
        operationId: 'listMailbox',
        querystring: mailboxQuery,
        response: { 200: mailboxPage, 400: errorResponse, 401: errorResponse, 403: errorResponse, 503: errorResponse },
      },
      onRequest: authHooks(auth).requireRole('admin'),
    },
    async (request) => mailbox.list(request.query),
  );
};
