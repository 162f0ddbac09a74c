import { z } from 'zod';

/** What a reminder's links carry: the token of its owner's mail preferences. */
export const reminderLinkQuery = z.object({ token: z.uuid().describe('The token of the reminder’s links') }).strict();

export const cartReminders = z
  .object({ cartReminders: z.boolean().describe('Whether abandoned-cart reminders go to the account') })
  .meta({ id: 'CartReminders' });
export type CartReminders = z.infer<typeof cartReminders>;

/** An account's reminder setting with the token its reminders' links carry. */
export type ReminderSetting = CartReminders & { token: string };
