import { z } from 'zod';
import { text } from '../../lib/http-schemas.js';

const email = z
  .email()
  .max(254)
  .transform((value) => value.toLowerCase());

export const registerBody = z
  .object({
    email,
    password: z.string().min(8, 'at least 8 characters').max(200),
    name: text(1, 200).optional(),
  })
  .strict()
  .meta({ id: 'Register' });
export type RegisterInput = z.infer<typeof registerBody>;

export const loginBody = z
  .object({ email, password: z.string().min(1).max(200) })
  .strict()
  .meta({ id: 'Login' });
export type LoginInput = z.infer<typeof loginBody>;

export const user = z
  .object({
    id: z.uuid(),
    email: z.string().optional(),
    name: z.string().optional(),
    role: z.enum(['guest', 'customer', 'admin']),
  })
  .meta({ id: 'User' });
export type PublicUser = z.infer<typeof user>;

export const session = z.object({ token: z.string(), user }).meta({ id: 'Session' });
export type Session = z.infer<typeof session>;
