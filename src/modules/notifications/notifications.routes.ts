import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks } from '../../http/auth-hooks.js';
import { route } from '../../http/openapi.js';
import type { AuthService } from '../auth/auth.service.js';
import { type Mailbox, mailboxPage, mailboxQuery } from './mailbox.js';

export const notificationsRoutes: FastifyPluginAsyncZod<{ auth: AuthService; mailbox: Mailbox }> = async (app, { auth, mailbox }) => {
  app.get(
    '/api/admin/mailbox',
    {
      schema: route({
        operationId: 'listMailbox',
        summary: 'List the mail the built-in SMTP sink received (development)',
        description: 'Newest first; `to` filters by recipient. Empty when SMTP_URL sends mail elsewhere.',
        tags: ['admin'],
        access: 'admin',
        querystring: mailboxQuery,
        ok: { 200: { description: 'A page of received messages.', schema: mailboxPage } },
      }),
      onRequest: authHooks(auth).requireRole('admin'),
    },
    async (request) => mailbox.list(request.query),
  );
};
