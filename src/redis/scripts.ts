import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

const LUA_DIR = fileURLToPath(new URL('./lua/', import.meta.url));

export type ScriptName =
  | 'precheckOrders'
  | 'reserveOrder'
  | 'releaseReservation'
  | 'claimReservation'
  | 'adjustGate'
  | 'ackPersisted'
  | 'extendReservation'
  | 'changeCartItems'
  | 'clearCart'
  | 'loadCart'
  | 'takeOrderedLines'
  | 'mergeCarts'
  | 'applyCatalogChange'
  | 'ackCartsPersisted'
  | 'releaseIfHeld'
  | 'claimCheckout'
  | 'orderAudience';
type ScriptResult = number | string | null | ScriptResult[];

interface ScriptFile {
  name: ScriptName;
  /** Fixed key count from the file name, or null for `-n` scripts whose key count varies. */
  numberOfKeys: number | null;
  lua: string;
}

function readScripts(): ScriptFile[] {
  return readdirSync(LUA_DIR)
    .filter((file) => file.endsWith('.lua'))
    .map((file) => {
      const match = /^([a-zA-Z]+)-(\d+|n)\.lua$/.exec(file);
      if (!match) throw new Error(`Lua script ${file} is not named <camelName>-<numKeys>.lua`);
      return {
        name: match[1] as ScriptName,
        numberOfKeys: match[2] === 'n' ? null : Number(match[2]),
        lua: readFileSync(LUA_DIR + file, 'utf8'),
      };
    });
}

/** Read from disk once per process, however many connections the scripts are defined on. */
const SCRIPT_FILES = new Map(readScripts().map((file) => [file.name, file]));

/**
 * The Lua scripts in ./lua, read once and registered on a connection (ioredis sends EVALSHA and
 * falls back to EVAL when the server has not seen a script yet).
 */
export class LuaScripts {
  constructor(private readonly redis: Redis) {
    for (const file of SCRIPT_FILES.values()) redis.defineCommand(file.name, { lua: file.lua });
  }

  run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<ScriptResult> {
    const file = SCRIPT_FILES.get(name);
    if (!file) throw new Error(`no Lua script named ${name}`);
    if (file.numberOfKeys !== null && file.numberOfKeys !== keys.length) {
      throw new Error(`${name} takes ${file.numberOfKeys} keys, got ${keys.length}`);
    }
    const command = (this.redis as unknown as Record<ScriptName, (...a: unknown[]) => Promise<ScriptResult>>)[name];
    return command.call(this.redis, keys.length, ...keys, ...args);
  }
}
