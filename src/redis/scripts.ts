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
  | 'claimCheckout';
export type ScriptResult = number | string | null | ScriptResult[];

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
    checkKeys({ name, keys, args });
    const command = (this.redis as unknown as Record<ScriptName, (...a: unknown[]) => Promise<ScriptResult>>)[name];
    return command.call(this.redis, keys.length, ...keys, ...args);
  }

  /**
   * Several script calls in one pipeline: one write to Redis and one round trip for all of them.
   * Answers one promise per call, in order, each settled by that call's own reply or error.
   */
  runMany(calls: readonly ScriptCall[]): Promise<ScriptResult>[] {
    for (const call of calls) checkKeys(call);
    const pipeline = this.redis.pipeline() as unknown as Record<ScriptName, (...a: unknown[]) => unknown> & { exec(): Promise<unknown> };
    // Each call's callback, not the pipeline's list of replies: it gets the answer of the call
    // ioredis resends on its own when Redis had lost the script (NOSCRIPT).
    const answers = calls.map(
      ({ name, keys, args }) =>
        new Promise<ScriptResult>((resolve, reject) => {
          pipeline[name]!.call(pipeline, keys.length, ...keys, ...args, (error: Error | null, reply: ScriptResult) =>
            error ? reject(error) : resolve(reply),
          );
        }),
    );
    // Its failures are each call's, answered above.
    pipeline.exec().catch(() => undefined);
    return answers;
  }
}

/** One call of a script: its name, its keys and its arguments. */
export interface ScriptCall {
  name: ScriptName;
  keys: string[];
  args: (string | number)[];
}

function checkKeys({ name, keys }: ScriptCall): void {
  const file = SCRIPT_FILES.get(name);
  if (!file) throw new Error(`no Lua script named ${name}`);
  if (file.numberOfKeys !== null && file.numberOfKeys !== keys.length) {
    throw new Error(`${name} takes ${file.numberOfKeys} keys, got ${keys.length}`);
  }
}
