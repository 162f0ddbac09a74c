import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorBody } from '../lib/errors.js';
import type { AuthService } from '../modules/auth/auth.service.js';
import type { AuthUser } from '../modules/auth/auth.types.js';

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
 * bull-board at /admin/queues, for admins only. A browser cannot send an Authorization header when
 * following a link, so `/admin/queues?token=<admin token>` once checks the token, stores it in an
 * HttpOnly cookie scoped to /admin/queues, and redirects to the same page without it; after that,
 * the cookie (or an Authorization header) is checked on every page and API call of the board.
 */
export async function registerQueueBoard(app: FastifyInstance, options: QueueBoardOptions): Promise<void> {
  const board = new FastifyAdapter();
  createBullBoard({ queues: options.queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: board });
  board.setBasePath(QUEUE_BOARD_PATH);

  const refuse = (reply: FastifyReply, error: AppError) => reply.code(error.status).send(errorBody(error));
  const admitted = async (token: string | undefined, fromHeader: string | undefined): Promise<AuthUser> => {
    const user = await options.auth.current(options.auth.authenticate(fromHeader ?? (token ? `Bearer ${token}` : undefined)));
    if (user.role !== 'admin') throw new AppError('FORBIDDEN', 'the queue board is for admins');
    return user;
  };

  await app.register(async (scope) => {
    // bull-board sets its own error handler for its routes, so refusals are answered here, not thrown.
    scope.addHook('onRequest', async (request, reply) => {
      const query = request.query as { token?: unknown } | undefined;
      const offered = typeof query?.token === 'string' ? query.token : undefined;
      try {
        if (offered) {
          await admitted(offered, undefined);
          const secure = request.protocol === 'https' ? '; Secure' : '';
          const url = new URL(request.url, 'http://board.invalid');
          url.searchParams.delete('token');
          return reply
            .header(
              'set-cookie',
              `${COOKIE}=${encodeURIComponent(offered)}; Path=${QUEUE_BOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=${options.cookieMaxAgeSeconds}${secure}`,
            )
            .redirect(`${url.pathname}${url.search}`, 303);
        }
        request.authUser = await admitted(cookieToken(request), request.headers.authorization);
      } catch (error) {
        if (error instanceof AppError) return refuse(reply, error);
        throw error;
      }
    });
    // Its page asks Google Fonts for a typeface: nothing of the console goes to another site (the
    // request would tell it an admin is at work, and fails offline). Everything else it loads is its own.
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', QUEUE_BOARD_CSP);
    });
    await scope.register(board.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}
