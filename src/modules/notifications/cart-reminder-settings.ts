import { AppError } from '../../lib/errors.js';
import type { MailPreferencesRepository } from './mail-preferences.repository.js';
import type { CartReminders, ReminderSetting } from './mail-preferences.schemas.js';

function found(setting: ReminderSetting | undefined): CartReminders {
  if (!setting) throw new AppError('NOT_FOUND', 'no reminder carried this link’s token; use the link of a newer reminder');
  return { cartReminders: setting.cartReminders };
}

/**
 * Cart reminders turned off or on again from a reminder's links. No sign-in: the token in the link,
 * random and given only in the account's reminders, is the proof. Anyone the owner forwards a
 * reminder to can do the same, as with any mailing list's links.
 */
export class CartReminderSettings {
  constructor(private readonly repository: Pick<MailPreferencesRepository, 'find' | 'setCartReminders'>) {}

  /** The setting the token names; NOT_FOUND for a token no reminder carried. */
  async read(token: string): Promise<CartReminders> {
    return found(await this.repository.find(token));
  }

  /** Turns reminders on or off (twice is harmless); NOT_FOUND for a token no reminder carried. */
  async set(token: string, on: boolean): Promise<CartReminders> {
    return found(await this.repository.setCartReminders(token, on));
  }
}
