import type { Db } from '../../db/database.js';
import type { ReminderSetting } from './mail-preferences.schemas.js';

/** A row as the links see it: reminders are on while they were never turned off. */
const settingOf = (row: { token: string; cartRemindersOffAt: Date | null }): ReminderSetting => ({
  token: row.token,
  cartReminders: row.cartRemindersOffAt === null,
});

/** Whether abandoned-cart reminders go to an account, and the token its links carry (`mail_preferences`). */
export class MailPreferencesRepository {
  constructor(private readonly db: Db) {}

  /**
   * The account's setting as a reminder about to be sent needs it: its token (the row is made with
   * the first reminder) and whether reminders are still on.
   */
  async forReminder(userId: string): Promise<ReminderSetting> {
    // One statement that writes only the first time: the insert's row when it made one, else the
    // row that was there (the SELECT sees the table as the statement began). A row another call
    // made meanwhile, not yet committed then, is neither: it is read by a statement of its own.
    const made = this.db
      .insertInto('mailPreferences')
      .values({ userId })
      .onConflict((conflict) => conflict.column('userId').doNothing())
      .returning(['token', 'cartRemindersOffAt']);
    const row = await this.db
      .with('made', () => made)
      .selectFrom('made')
      .select(['token', 'cartRemindersOffAt'])
      .unionAll((db) => db.selectFrom('mailPreferences').select(['token', 'cartRemindersOffAt']).where('userId', '=', userId))
      .limit(1)
      .executeTakeFirst();
    return settingOf(
      row ??
        (await this.db.selectFrom('mailPreferences').select(['token', 'cartRemindersOffAt']).where('userId', '=', userId).executeTakeFirstOrThrow()),
    );
  }

  /** The setting a link's token names; undefined for a token no reminder carried. */
  async find(token: string): Promise<ReminderSetting | undefined> {
    const row = await this.db.selectFrom('mailPreferences').select(['token', 'cartRemindersOffAt']).where('token', '=', token).executeTakeFirst();
    return row && settingOf(row);
  }

  /**
   * Turns reminders on or off for the account the token names; undefined for an unknown token.
   * Turning them off again keeps the first time they were turned off.
   */
  async setCartReminders(token: string, on: boolean): Promise<ReminderSetting | undefined> {
    const row = await this.db
      .updateTable('mailPreferences')
      .set((eb) => ({ cartRemindersOffAt: on ? null : eb.fn.coalesce('cartRemindersOffAt', eb.fn<Date>('now', [])) }))
      .where('token', '=', token)
      .returning(['token', 'cartRemindersOffAt'])
      .executeTakeFirst();
    return row && settingOf(row);
  }
}
