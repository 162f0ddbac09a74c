import type { Role } from '../../db/schema.js';

/** Who is calling, as the verified token says. */
export interface AuthUser {
  id: string;
  role: Role;
  email?: string | undefined;
  /** When the token stops being accepted (epoch ms); set by `AuthService.authenticate`. */
  expiresAt?: number | undefined;
}

export const isAdmin = (user: AuthUser) => user.role === 'admin';
