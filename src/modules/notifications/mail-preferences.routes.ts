import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { route } from '../../http/openapi.js';
import { AppError } from '../../lib/errors.js';
import type { MailPreferencesRepository, ReminderSetting } from './mail-preferences.repository.js';

/** What a reminder's links carry: the token of its owner's mail preferences. */
const tokenQuery = z.object({ token: z.uuid().describe('The token of the reminder’s links') }).strict();

const cartReminders = z
  .object({ cartReminders: z.boolean().describe('Whether abandoned-cart reminders go to the account') })
  .meta({ id: 'CartReminders' });

/** A body this route ignores is still read no further than this. */
const ONE_CLICK_BODY_LIMIT = 4 * 1024;

const UNKNOWN = 'NOT_FOUND: no reminder carried this token.';

const answer = (setting: ReminderSetting | undefined) => {
  if (!setting) throw new AppError('NOT_FOUND', 'no reminder carried this link’s token; use the link of a newer reminder');
  return { cartReminders: setting.cartReminders };
};

/**
 * The links of an abandoned-cart reminder: the shop's page reads the setting and turns it off or on
 * again, and a mail client's own unsubscribe button posts to the same `unsubscribe` (RFC 8058
 * one-click, `List-Unsubscribe=One-Click` as a form). They need no sign-in: the token in the link,
 * random and given only in the reminders, is the proof. Reading never changes anything, so a link
 * checker's GET turns nothing off.
 */
export const mailPreferencesRoutes: FastifyPluginAsyncZod<{ preferences: MailPreferencesRepository }> = async (app, { preferences }) => {
  // A mail client posts a form (urlencoded or multipart) whose one field says it is a one-click:
  // the token in the address is all this needs, so whatever body comes is taken and left unread.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ONE_CLICK_BODY_LIMIT }, (_request, _body, done) => done(null, undefined));

  app.get(
    '/api/mail/cart-reminders',
    {
      schema: route({
        operationId: 'getCartReminders',
        summary: 'Whether cart reminders go to the account a reminder’s link names',
        tags: ['mail'],
        access: 'public',
        querystring: tokenQuery,
        ok: { 200: { description: 'The setting.', schema: cartReminders } },
        refusals: { 404: UNKNOWN },
      }),
    },
    async (request) => answer(await preferences.find(request.query.token)),
  );

  // Off from a reminder's link or a mail client's button; on again from the shop's page. Twice is harmless.
  const changes = [
    {
      path: 'unsubscribe',
      operationId: 'unsubscribeCartReminders',
      summary: 'Turn cart reminders off',
      description:
        'The reminder’s `List-Unsubscribe` URL (RFC 8058: a mail client posts `List-Unsubscribe=One-Click`), and the shop’s page. Any body is accepted and ignored.',
      done: 'Off: no more reminders go to the account.',
      on: false,
    },
    {
      path: 'subscribe',
      operationId: 'subscribeCartReminders',
      summary: 'Turn cart reminders on again',
      description: 'From the shop’s page, after turning them off. Any body is accepted and ignored.',
      done: 'On: a cart left again gets its reminder.',
      on: true,
    },
  ] as const;
  for (const { path, operationId, summary, description, done, on } of changes) {
    app.post(
      `/api/mail/cart-reminders/${path}`,
      {
        schema: route({
          operationId,
          summary,
          description,
          tags: ['mail'],
          access: 'public',
          querystring: tokenQuery,
          ok: { 200: { description: done, schema: cartReminders } },
          refusals: { 404: UNKNOWN },
        }),
      },
      async (request) => answer(await preferences.setCartReminders(request.query.token, on)),
    );
  }
};
