import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Role } from '../db/schema.js';
import { AppError } from '../lib/errors.js';
import type { AuthService } from '../modules/auth/auth.service.js';
import type { AuthUser } from '../modules/auth/auth.types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every route that requires a caller. */
    authUser: AuthUser | undefined;
  }
}

/** The authenticated caller of a route guarded by `requireUser`. */
export function callerOf(request: FastifyRequest): AuthUser {
  if (!request.authUser) throw new AppError('UNAUTHENTICATED', 'an Authorization: Bearer token is required');
  return request.authUser;
}

/**
 * onRequest hooks: any authenticated caller, or only the given roles (403 for the others). They
 * are synchronous callback hooks: verification is synchronous, and an async hook would cost every
 * request a promise and a microtask.
 */
export function authHooks(auth: AuthService) {
  const requireUser: onRequestHookHandler = (request, _reply, done) => {
    try {
      request.authUser = auth.authenticate(request.headers.authorization);
      done();
    } catch (error) {
      done(error as Error);
    }
  };
  const requireRole =
    (...roles: Role[]): onRequestHookHandler =>
    (request, _reply, done) => {
      try {
        const user = auth.authenticate(request.headers.authorization);
        if (!roles.includes(user.role)) throw new AppError('FORBIDDEN', `this needs the ${roles.join(' or ')} role`);
        request.authUser = user;
        done();
      } catch (error) {
        done(error as Error);
      }
    };
  return { requireUser, requireRole };
}
