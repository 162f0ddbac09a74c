import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { isSqlState, SqlState } from '../../db/postgres-errors.js';
import type { Role, UserRow } from '../../db/schema.js';

export class UsersRepository {
  constructor(private readonly db: Db) {}

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  createGuest(): Promise<UserRow> {
    return this.db.insertInto('users').values({ role: 'guest' }).returningAll().executeTakeFirstOrThrow();
  }

  /** Inserts a customer; undefined when the email is taken. */
  async createCustomer(email: string, passwordHash: string, name: string | null): Promise<UserRow | undefined> {
    try {
      return await this.db.insertInto('users').values({ email, passwordHash, name, role: 'customer' }).returningAll().executeTakeFirstOrThrow();
    } catch (error) {
      if (isSqlState(error, SqlState.UNIQUE_VIOLATION)) return undefined;
      throw error;
    }
  }

  /** Every admin account but `email`'s becomes a customer's. */
  async demoteAdminsBut(email: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ role: 'customer', updatedAt: sql`now()` })
      .where('role', '=', 'admin')
      .where('email', '<>', email)
      .execute();
  }

  /** Creates the account, or makes the existing one an admin with this password hash. */
  async upsertAdmin(email: string, passwordHash: string): Promise<void> {
    const role: Role = 'admin';
    await this.db
      .insertInto('users')
      .values({ email, passwordHash, role, name: 'Administrator' })
      .onConflict((oc) => oc.column('email').doUpdateSet({ passwordHash, role, updatedAt: sql`now()` }))
      .execute();
  }
}
