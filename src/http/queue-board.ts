import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { ControllerHandlerReturnType } from '@bull-board/api/typings/app';
import { FastifyAdapter } from '@bull-board/fastify';
import formBody from '@fastify/formbody';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, type ErrorBody, errorBody, errorPayload } from '../lib/errors.js';
import { type AuthService, bearerTokenOf } from '../modules/auth/auth.service.js';
import type { AuthUser } from '../modules/auth/auth.types.js';
import { clientErrorCode } from './error-handler.js';

export const QUEUE_BOARD_PATH = '/admin/queues';
/** Holds an admin's token for the board's pages and the calls they make, and for nothing else. */
const COOKIE = 'fc_queue_board';

export interface QueueBoardOptions {
  auth: AuthService;
  queues: Queue[];
  /** How long the board's cookie lives (the token's own lifetime). */
  cookieMaxAgeSeconds: number;
}

function cookieToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === COOKIE) return decoded(part.slice(separator + 1).trim());
  }
  return undefined;
}

/**
 * A cookie value as this board wrote it (percent-encoded). One that is not valid percent-encoding
 * was not written here: it is checked as it is, and refused like any bad token, where
 * decodeURIComponent would throw and bull-board's error handler answer 500.
 */
function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * bull-board's BullMQ adapter reaches Redis through `queue.client`, which BullMQ 6 no longer has
 * (it is the queue's backend's now). Without these two, the board's Redis panel
 * (`/admin/queues/api/redis/stats`) answered every request 500 with a TypeError's message, and a
 * job's page asked `/api/queues/:queue/:job/flow`, which opened a connection to the default Redis
 * (not flashcart's) on each request and answered 500 too.
 */
class QueueBoardAdapter extends BullMQAdapter {
  constructor(private readonly jobQueue: Queue) {
    super(jobQueue);
  }

  override getClient(): ReturnType<BullMQAdapter['getClient']> {
    return this.jobQueue.getBackend().client;
  }

  override async getRedisInfo(): Promise<string> {
    return (await this.getClient()).info();
  }
}

/**
 * The bodies of the board's own calls that take one, by path under the board. bull-board reads
 * them unchecked: a call without one answered 500 with a TypeError's message, and a job added
 * without a name 500 with a Lua error's. Fields the board's page may add are let through.
 */
const BOARD_BODIES: [path: RegExp, body: z.ZodType][] = [
  [
    /^\/api\/queues\/[^/]+\/add$/,
    z.object({ name: z.string().min(1).max(200), data: z.unknown().optional(), options: z.record(z.string(), z.unknown()).optional() }),
  ],
  [/^\/api\/queues\/[^/]+\/concurrency$/, z.object({ concurrency: z.number().int() })],
  [/^\/api\/queues\/[^/]+\/[^/]+\/update-data$/, z.object({ jobData: z.unknown() })],
];

/** An answer of the board's error handler; bull-board's type lists only the statuses it answers itself. */
const answer = (status: number, body: ErrorBody): ControllerHandlerReturnType => ({ status: status as ControllerHandlerReturnType['status'], body });

/** The queue board's pages load only what it serves itself (its inline styles included). */
const QUEUE_BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
].join('; ');

/**
 * The handover's form body holds one token (a few hundred bytes); anything near this is not one,
 * and is refused before it is read whole.
 */
const HANDOVER_BODY_LIMIT = 16 * 1024;
const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** A form field `token`, or no body at all when the token comes in an Authorization header. */
const handoverBody = z.object({ token: z.string().optional() }).strict().nullish();

/**
 * bull-board at /admin/queues, for admins only. A browser cannot send an Authorization header when
 * following a link, so the console posts the token once as a form (`POST /admin/queues/session`),
 * which checks it, stores it in an HttpOnly cookie scoped to /admin/queues, and redirects to the
 * board; after that, the cookie (or an Authorization header) is checked on every page and API call
 * of the board. `/admin/queues?token=<admin token>` does the same for scripts and bookmarks that
 * use it, at the cost of the token landing in the browser's history and in access logs.
 */
export async function registerQueueBoard(app: FastifyInstance, options: QueueBoardOptions): Promise<void> {
  const board = new FastifyAdapter();
  createBullBoard({ queues: options.queues.map((queue) => new QueueBoardAdapter(queue)), serverAdapter: board });
  board.setBasePath(QUEUE_BOARD_PATH);
  // bull-board's own handler answers any fault with its message (a TypeError's, a Lua error's) in
  // a shape of its own: answered here in the API's error format, a 5xx saying nothing more.
  board.setErrorHandler((error: Error & { statusCode?: number }) => {
    const status = error instanceof AppError ? error.status : error.statusCode;
    if (error instanceof AppError) return answer(status!, errorBody(error));
    if (status && status >= 400 && status < 500) return answer(status, errorPayload(clientErrorCode(status), error.message));
    app.log.error({ err: error }, 'queue board error');
    return answer(500, errorPayload('INTERNAL', 'internal error'));
  });

  const refuse = (reply: FastifyReply, error: AppError) => reply.code(error.status).send(errorBody(error));
  const admitted = async (token: string | undefined, fromHeader: string | undefined): Promise<AuthUser> => {
    const user = await options.auth.current(options.auth.authenticate(fromHeader ?? (token ? `Bearer ${token}` : undefined)));
    if (user.role !== 'admin') throw new AppError('FORBIDDEN', 'the queue board is for admins');
    return user;
  };
  /** Keeps an admitted token in the board's cookie and sends the browser on to `location`. */
  const handOver = (request: FastifyRequest, reply: FastifyReply, token: string, location: string) => {
    const secure = request.protocol === 'https' ? '; Secure' : '';
    return reply
      .header(
        'set-cookie',
        `${COOKIE}=${encodeURIComponent(token)}; Path=${QUEUE_BOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=${options.cookieMaxAgeSeconds}${secure}`,
      )
      .redirect(location, 303);
  };

  // The handover sits outside the board's own scope: the board's check of the cookie would refuse
  // the very request that brings it. Its path is still under /admin/queues, so the cookie's Path covers it.
  await app.register(async (scope) => {
    await scope.register(formBody, { bodyLimit: HANDOVER_BODY_LIMIT });
    // Form fields are all this route reads: JSON, or anything else, is refused as such, with what to send instead.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('*', (request, _payload, done) => {
      const sent = request.headers['content-type'];
      done(
        new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `send the token as a form field (Content-Type: ${FORM_MEDIA_TYPE}) or in an Authorization: Bearer header; ${sent ? `${sent} is not accepted` : 'no Content-Type was given'}`,
        ),
        undefined,
      );
    });
    scope.withTypeProvider<ZodTypeProvider>().post(
      `${QUEUE_BOARD_PATH}/session`,
      // Outside the OpenAPI document, as the board is: a browser's way in, answered with a redirect.
      { schema: { hide: true, body: handoverBody } },
      async (request, reply) => {
        const offered = request.body?.token || undefined;
        const header = offered ? undefined : request.headers.authorization;
        // Refusals are thrown: this scope answers them with the API's own error handler, not bull-board's.
        if (!offered && !header) {
          throw new AppError('UNAUTHENTICATED', `send an admin's token as the form field "token" or in an Authorization: Bearer header`);
        }
        await admitted(offered, header);
        // Admitted, a header is "Bearer <token>".
        return handOver(request, reply, offered ?? bearerTokenOf(header!)!, QUEUE_BOARD_PATH);
      },
    );
  });

  await app.register(async (scope) => {
    // bull-board sets its own error handler for its routes, so refusals are answered here, not thrown.
    scope.addHook('onRequest', async (request, reply) => {
      const query = request.query as { token?: unknown } | undefined;
      const offered = typeof query?.token === 'string' ? query.token : undefined;
      try {
        if (offered) {
          await admitted(offered, undefined);
          const url = new URL(request.url, 'http://board.invalid');
          url.searchParams.delete('token');
          return handOver(request, reply, offered, `${url.pathname}${url.search}`);
        }
        request.authUser = await admitted(cookieToken(request), request.headers.authorization);
      } catch (error) {
        if (error instanceof AppError) return refuse(reply, error);
        throw error;
      }
    });
    scope.addHook('preValidation', async (request, reply) => {
      const path = request.url.split('?')[0]!.slice(QUEUE_BOARD_PATH.length);
      const body = BOARD_BODIES.find(([pattern]) => pattern.test(path))?.[1];
      const checked = body?.safeParse(request.body);
      if (!checked || checked.success) return;
      const issues = checked.error.issues.map((issue) => ({ in: 'body', path: `/${issue.path.map(String).join('/')}`, message: issue.message }));
      return refuse(reply, new AppError('VALIDATION_FAILED', request.body === undefined ? 'a JSON body is required' : 'invalid body', { issues }));
    });
    // Its page asks Google Fonts for a typeface: nothing of the console goes to another site (the
    // request would tell it an admin is at work, and fails offline). Everything else it loads is its own.
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', QUEUE_BOARD_CSP);
    });
    await scope.register(board.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}
