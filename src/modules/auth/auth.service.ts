import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { createSigner, createVerifier } from 'fast-jwt';
import type { UserRow } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import type { CartMerge } from '../carts/carts.schemas.js';
import type { LoginInput, PublicUser, RegisterInput, Session } from './auth.schemas.js';
import type { AuthUser } from './auth.types.js';
import type { UsersRepository } from './users.repository.js';

const ARGON2ID = 2 as Algorithm;

const publicUser = (row: UserRow): PublicUser => ({
  id: row.id,
  ...(row.email ? { email: row.email } : {}),
  ...(row.name ? { name: row.name } : {}),
  role: row.role,
});

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message);

/** A users row's id, as tokens carry it (`sub`). */
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a login does with the guest session it follows, and a new guest's cart (the carts and orders modules provide it). */
export interface GuestHandover {
  /** Merges a guest's cart into a user's. */
  mergeGuestCart(guestId: string, userId: string): Promise<CartMerge>;
  /** The account takes over the guest's orders (OrderOwners.adopt). */
  adoptGuestOrders(guestId: string, userId: string): Promise<void>;
  /**
   * Opens the empty cart of a user who cannot have one yet (a new guest). Never rejects: the session
   * does not depend on it (a cart not opened is looked for at its first change), so a failure is
   * logged where it happens.
   */
  openEmptyCart(userId: string): Promise<void>;
}

/** The token of an `Authorization: Bearer <token>` header, the scheme in any case; undefined for any other header. */
export function bearerTokenOf(authorization: string): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
}

/** Accounts (argon2id passwords), guest sessions (no hashing) and HS256 bearer tokens. */
export class AuthService {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly verifyToken: (token: string) => Record<string, unknown>;
  /** Verified against when the email is unknown, so a login takes as long either way. */
  private decoyHash: Promise<string> | undefined;

  constructor(
    private readonly users: UsersRepository,
    secret: string,
    ttlSeconds: number,
    private readonly guests?: GuestHandover,
  ) {
    this.sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1_000 });
    // Cached by the token itself: fast-jwt's default key is a hash of the token, which costs about
    // as much as verifying it, and the raw token is already in this process's memory anyway.
    // Every token this service signs expires; one without `exp` would be good for ever.
    this.verifyToken = createVerifier({
      key: secret,
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      cache: 10_000,
      cacheKeyBuilder: (token) => token,
    });
  }

  async register(input: RegisterInput): Promise<Session> {
    const passwordHash = await hash(input.password, { algorithm: ARGON2ID });
    const row = await this.users.createCustomer(input.email, passwordHash, input.name ?? null);
    if (!row) throw new AppError('CONFLICT', 'an account with this email already exists', { email: input.email });
    return this.withGuestSession(this.session(row), input.guestToken);
  }

  async login(input: LoginInput): Promise<Session> {
    const row = await this.users.findByEmail(input.email);
    const valid = await verify(row?.passwordHash ?? (await this.decoy()), input.password);
    if (!row?.passwordHash || !valid) throw unauthenticated('wrong email or password');
    return this.withGuestSession(this.session(row), input.guestToken);
  }

  async guest(): Promise<Session> {
    const session = this.session(await this.users.createGuest());
    // Its cart can be nowhere yet: opened now, the first change need not look for a snapshot (in a
    // flash sale, every buyer's first click).
    await this.guests?.openEmptyCart(session.user.id);
    return session;
  }

  async me(user: AuthUser): Promise<PublicUser> {
    const row = await this.users.findById(user.id);
    if (!row) throw unauthenticated('this account no longer exists');
    return publicUser(row);
  }

  /**
   * Creates or updates the admin account from the configuration (rehashing only when the password
   * changed), and makes any other admin account a customer: the configuration names the one admin,
   * so an `ADMIN_EMAIL` changed to rotate credentials leaves the old account no way in.
   */
  async ensureAdmin(email: string, password: string): Promise<void> {
    const existing = await this.users.findByEmail(email);
    const current = existing?.role === 'admin' && existing.passwordHash && (await verify(existing.passwordHash, password));
    if (!current) await this.users.upsertAdmin(email, await hash(password, { algorithm: ARGON2ID }));
    await this.users.demoteAdminsBut(email);
  }

  /** The caller behind a bearer token; throws UNAUTHENTICATED for a missing, bad or expired one. */
  authenticate(authorization: string | undefined): AuthUser {
    if (!authorization) throw unauthenticated('an Authorization: Bearer token is required');
    const token = bearerTokenOf(authorization);
    if (!token) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    let claims: Record<string, unknown>;
    try {
      claims = this.verifyToken(token);
    } catch {
      throw unauthenticated('the token is invalid or expired');
    }
    const { sub, role, email, exp } = claims;
    // Signed by us, so well formed; still checked, as everything downstream takes `sub` for a users row's id.
    if (typeof sub !== 'string' || !USER_ID.test(sub) || (role !== 'guest' && role !== 'customer' && role !== 'admin')) {
      throw unauthenticated('the token is invalid or expired');
    }
    return { id: sub, role, email: typeof email === 'string' ? email : undefined, expiresAt: typeof exp === 'number' ? exp * 1_000 : undefined };
  }

  /**
   * The caller as its account stands now. A token carries its role until it expires, and the admin
   * role is the one that can be taken away meanwhile (a start with another ADMIN_EMAIL makes the old
   * admin a customer): an admin token is checked against the account, so the demoted admin's earlier
   * tokens lose the role with it. Other tokens are taken as they are, at no cost: no guest or
   * customer role is ever taken away.
   */
  async current(user: AuthUser): Promise<AuthUser> {
    if (user.role !== 'admin') return user;
    const row = await this.users.findById(user.id);
    if (!row) throw unauthenticated('this account no longer exists');
    return row.role === user.role ? user : { ...user, role: row.role };
  }

  /** A token for any user; tests and benchmarks use it to skip the HTTP round trip. */
  issueToken(user: AuthUser): string {
    return this.sign({ sub: user.id, role: user.role, ...(user.email ? { email: user.email } : {}) });
  }

  /**
   * Merges the cart of the guest session sent along, once the account is known, and a customer's
   * account takes over the guest's orders: they are in its list, and it may read, pay and cancel
   * them. A guest token that no longer verifies (a guest session expires like any other) does not
   * stop the login: the answer says the merge was skipped and why.
   */
  private async withGuestSession(session: Session, guestToken: string | undefined): Promise<Session> {
    if (guestToken === undefined || !this.guests) return session;
    let guest: AuthUser;
    try {
      guest = this.authenticate(`Bearer ${guestToken}`);
    } catch {
      return { ...session, cartMerge: { skipped: 'the guest token is invalid or expired', lines: [] } };
    }
    if (guest.role !== 'guest') return { ...session, cartMerge: { skipped: 'the guest token is not a guest session', lines: [] } };
    if (session.user.role === 'customer') await this.guests.adoptGuestOrders(guest.id, session.user.id);
    return { ...session, cartMerge: await this.guests.mergeGuestCart(guest.id, session.user.id) };
  }

  private session(row: UserRow): Session {
    return { token: this.issueToken({ id: row.id, role: row.role, email: row.email ?? undefined }), user: publicUser(row) };
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hash('decoy password that matches nothing', { algorithm: ARGON2ID });
    return this.decoyHash;
  }
}
