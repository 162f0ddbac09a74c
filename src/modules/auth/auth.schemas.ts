import { z } from 'zod';
import { emailAddress, text } from '../../lib/http-schemas.js';
import { cartMerge } from '../carts/carts.schemas.js';

/** The guest session a buyer used before logging in: its cart merges into the account's. */
const guestToken = z.string().min(1).max(4_096).describe("The guest's bearer token: its cart is merged into the account's").optional();

export const registerBody = z
  .object({
    email: emailAddress,
    password: z.string().min(8, 'at least 8 characters').max(200),
    name: text(1, 200).optional(),
    guestToken,
  })
  .strict()
  .meta({ id: 'Register' });
export type RegisterInput = z.infer<typeof registerBody>;

export const loginBody = z
  .object({ email: emailAddress, password: z.string().min(1).max(200), guestToken })
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

export const session = z
  .object({
    token: z.string(),
    user,
    cartMerge: cartMerge.optional().describe('Present when a guestToken was sent: how its cart merged into this account'),
  })
  .meta({ id: 'Session' });
export type Session = z.infer<typeof session>;
