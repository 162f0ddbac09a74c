import type { Roles } from './system.js';

/** What each role of the command line runs (`node build/cli.js <role>`). */
export const ROLES: Record<string, Roles> = {
  api: { api: true, worker: false },
  worker: { api: false, worker: true },
  'psp-sim': { api: false, worker: false, pspSim: true },
  'vendor-sim': { api: false, worker: false, vendorSim: true },
  'smtp-sink': { api: false, worker: false, mailSink: true },
  all: { api: true, worker: true, pspSim: true, mailSink: true, vendorSim: true },
};

/** The roles of a role name; undefined for anything else, a name every object has (`constructor`) included. */
export const rolesNamed = (name: string): Roles | undefined => (Object.hasOwn(ROLES, name) ? ROLES[name] : undefined);
