import { execFileSync } from 'node:child_process';
import { cp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from './newest-mtime.js';

/**
 * Compiles the server (src/ → build/, `tsconfig.build.json`) so that Node runs plain JavaScript, as
 * in production, rather than TypeScript through a loader: the loader's own thread and caches cost
 * each process about 40–55 MiB of resident memory. Transpiles only (`npm run typecheck` checks types),
 * in a few seconds. `--if-stale` (what `npm start` runs) builds only when build/ is missing or older
 * than a source.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BUILD_DIR = join(ROOT, 'build');
/** The entry point; its time is the build's. */
export const BUILT_CLI = join(BUILD_DIR, 'cli.js');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((path) => join(ROOT, path));

/** True when build/ is missing or older than a file of src/, the compiler settings or the lockfile. */
export async function serverIsStale(): Promise<boolean> {
  const built = await stat(BUILT_CLI).catch(() => undefined);
  if (!built) return true;
  const inputs = await Promise.all(INPUTS.map((path) => newestMtime(path)));
  return Math.max(...inputs) > built.mtimeMs;
}

/** Builds build/ from scratch (a file removed from src/ leaves nothing behind), with the Lua scripts beside their loader. */
export async function buildServer(): Promise<void> {
  await rm(BUILD_DIR, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  await cp(join(ROOT, 'src', 'redis', 'lua'), join(BUILD_DIR, 'redis', 'lua'), { recursive: true });
  console.log('server built: build/');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    if (!process.argv.includes('--if-stale') || (await serverIsStale())) await buildServer();
  } catch (error) {
    console.error(`cannot build the server: ${(error as Error).message}`);
    process.exit(1);
  }
}
