import type { Role } from '../../db/schema.js';

/** Who is calling, as the verified token says. */
export interface AuthUser {
  id: string;
  role: Role;
  email?: string | undefined;
}

export const isAdmin = (user: AuthUser) => user.role === 'admin';
