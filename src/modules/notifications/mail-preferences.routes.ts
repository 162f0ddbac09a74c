import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { noBody, route } from '../../http/openapi.js';
import { cartRemindersPageUrl } from '../../lib/shop-pages.js';
import type { CartReminderSettings } from './cart-reminder-settings.js';
import { cartReminders, reminderLinkQuery } from './mail-preferences.schemas.js';

/** A body these routes ignore is still read no further than this. */
const ONE_CLICK_BODY_LIMIT = 4 * 1024;

const NO_SUCH_TOKEN = 'NOT_FOUND: no reminder carried this token.';

/**
 * The links of an abandoned-cart reminder: the shop's page reads the setting and turns it off or on
 * again, and a mail client's own unsubscribe button posts to `unsubscribe` (RFC 8058 one-click,
 * `List-Unsubscribe=One-Click` as a form). Reading never changes anything, so a link checker's GET
 * turns nothing off; a GET of the one-click URL (a client that opens it in a browser) leads to the page.
 */
export const mailPreferencesRoutes: FastifyPluginAsyncZod<{ settings: CartReminderSettings }> = async (app, { settings }) => {
  // A mail client posts a form (urlencoded or multipart), the shop's page nothing: the token in the
  // address is all these need, so whatever body comes is taken and left unread, JSON included.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ONE_CLICK_BODY_LIMIT }, (_request, _body, done) => done(null, undefined));

  app.get(
    '/api/mail/cart-reminders',
    {
      schema: route({
        operationId: 'getCartReminders',
        summary: 'Whether cart reminders go to the account a reminder’s link names',
        tags: ['mail'],
        access: 'public',
        querystring: reminderLinkQuery,
        ok: { 200: { description: 'The setting.', schema: cartReminders } },
        refusals: { 404: NO_SUCH_TOKEN },
      }),
    },
    async (request) => settings.read(request.query.token),
  );

  app.get(
    '/api/mail/cart-reminders/unsubscribe',
    {
      schema: route({
        operationId: 'openCartRemindersUnsubscribe',
        summary: 'The one-click URL opened in a browser: leads to the shop’s page',
        description:
          'A mail client without RFC 8058 opens the `List-Unsubscribe` URL: it changes nothing and redirects to `/mail/cart-reminders?token=`, where a button does.',
        tags: ['mail'],
        access: 'public',
        querystring: reminderLinkQuery,
        ok: { 303: { description: 'To the shop’s page for the setting.', schema: noBody } },
        needsStores: false,
      }),
    },
    async (request, reply) => reply.redirect(cartRemindersPageUrl('', request.query.token), 303),
  );

  // Off from a reminder's link or a mail client's button; on again from the shop's page. Twice is harmless.
  const changes = [
    {
      path: 'unsubscribe',
      operationId: 'unsubscribeCartReminders',
      summary: 'Turn cart reminders off',
      description:
        'The reminder’s `List-Unsubscribe` URL (RFC 8058: a mail client posts `List-Unsubscribe=One-Click`), and the shop’s page. Any body is taken and left unread.',
      done: 'Off: no more reminders go to the account.',
      on: false,
    },
    {
      path: 'subscribe',
      operationId: 'subscribeCartReminders',
      summary: 'Turn cart reminders on again',
      description: 'From the shop’s page, after turning them off. Any body is taken and left unread.',
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
          querystring: reminderLinkQuery,
          ok: { 200: { description: done, schema: cartReminders } },
          refusals: { 404: NO_SUCH_TOKEN },
          ignoresBodyOver: ONE_CLICK_BODY_LIMIT,
        }),
      },
      async (request) => settings.set(request.query.token, on),
    );
  }
};
