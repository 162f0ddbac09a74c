import type { Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as lowStockThreshold from './0002-low-stock-threshold.js';
import * as payments from './0003-payments.js';
import * as carts from './0004-carts.js';
import * as vendors from './0005-vendors.js';
import * as feed from './0006-feed.js';
import * as cartReminders from './0007-cart-reminders.js';
import * as vendorOrderParts from './0008-vendor-order-parts.js';
import * as mailPreferences from './0009-mail-preferences.js';
import * as withheldMail from './0010-withheld-mail.js';
import * as ordersByEmail from './0011-orders-by-email.js';
import * as guestAdoptions from './0012-guest-adoptions.js';
import * as vendorLastSuccess from './0013-vendor-last-success.js';

/** Every migration, in order. Names are permanent: Kysely records them in kysely_migration. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-low-stock-threshold': lowStockThreshold,
  '0003-payments': payments,
  '0004-carts': carts,
  '0005-vendors': vendors,
  '0006-feed': feed,
  '0007-cart-reminders': cartReminders,
  '0008-vendor-order-parts': vendorOrderParts,
  '0009-mail-preferences': mailPreferences,
  '0010-withheld-mail': withheldMail,
  '0011-orders-by-email': ordersByEmail,
  '0012-guest-adoptions': guestAdoptions,
  '0013-vendor-last-success': vendorLastSuccess,
};
