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
 * are callback hooks, synchronous for guests and customers: verification is synchronous, and an
 * async hook would cost every request a promise and a microtask. Only an admin token waits, for its
 * role to be confirmed against the account (`AuthService.current`).
 */
export function authHooks(auth: AuthService) {
  const admit = (request: FastifyRequest, done: (error?: Error) => void, roles: Role[] | undefined) => {
    const enter = (user: AuthUser): Error | undefined => {
      if (roles && !roles.includes(user.role)) return new AppError('FORBIDDEN', `this needs the ${roles.join(' or ')} role`);
      request.authUser = user;
      return undefined;
    };
    let user: AuthUser;
    try {
      user = auth.authenticate(request.headers.authorization);
    } catch (error) {
      return done(error as Error);
    }
    if (user.role !== 'admin') return done(enter(user));
    auth.current(user).then(
      (current) => done(enter(current)),
      (error: unknown) => done(error as Error),
    );
  };
  const requireUser: onRequestHookHandler = (request, _reply, done) => admit(request, done, undefined);
  const requireRole =
    (...roles: Role[]): onRequestHookHandler =>
    (request, _reply, done) =>
      admit(request, done, roles);
  return { requireUser, requireRole };
}
