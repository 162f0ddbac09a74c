import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { newestMtime } from './newest-mtime.js';

/**
 * Builds the web UI (web/ → web/dist) with Vite and holds it to its budget: the JavaScript a first
 * page load fetches must stay under FIRST_LOAD_BUDGET_BYTES gzipped, or the build fails.
 * `--if-stale` (what `npm start` runs) builds only when web/dist is missing or older than a source.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const WEB_DIR = join(ROOT, 'web');
export const WEB_DIST = join(WEB_DIR, 'dist');
const BUILT_MARKER = join(WEB_DIST, 'index.html');
/** Besides web/, what changes the build: the locked dependency versions. */
const OTHER_INPUTS = [join(ROOT, 'package-lock.json')];

export const FIRST_LOAD_BUDGET_BYTES = 150 * 1024;

/** True when web/dist is missing or older than a file of web/ or the lockfile. */
export async function webIsStale(): Promise<boolean> {
  const built = await stat(BUILT_MARKER).catch(() => undefined);
  if (!built) return true;
  const skipOutput = (dir: string, entry: string) => dir === WEB_DIR && (entry === 'dist' || entry === 'node_modules');
  const inputs = await Promise.all([WEB_DIR, ...OTHER_INPUTS].map((path) => newestMtime(path, skipOutput)));
  return Math.max(...inputs) > built.mtimeMs;
}

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
}

/** The JavaScript files the first page load fetches (the entry and its static imports) and their gzipped size. */
export async function firstLoadJavaScript(): Promise<{ files: string[]; gzipBytes: number }> {
  const manifest = JSON.parse(await readFile(join(WEB_DIST, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const imported of manifest[key]?.imports ?? []) visit(imported);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  const files = [...seen].map((key) => manifest[key]!.file).filter((file) => file.endsWith('.js'));
  let gzipBytes = 0;
  for (const file of files) gzipBytes += gzipSync(await readFile(join(WEB_DIST, file)), { level: 9 }).length;
  return { files, gzipBytes };
}

/** Builds web/dist, then fails when the first load's JavaScript is over budget. Needs NODE_ENV=production (the CLI sets it). */
export async function buildWeb(): Promise<{ gzipBytes: number }> {
  const { build } = await import('vite');
  await build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn' });
  const { files, gzipBytes } = await firstLoadJavaScript();
  const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  if (gzipBytes > FIRST_LOAD_BUDGET_BYTES) {
    throw new Error(
      `the first load fetches ${kB(gzipBytes)} of gzipped JavaScript (${files.join(', ')}), over the ${kB(FIRST_LOAD_BUDGET_BYTES)} budget`,
    );
  }
  console.log(`web UI built: first load ${kB(gzipBytes)} of gzipped JavaScript (budget ${kB(FIRST_LOAD_BUDGET_BYTES)})`);
  return { gzipBytes };
}

/** Builds web/dist unless it is already newer than every source. */
export async function buildWebIfStale(): Promise<void> {
  if (await webIsStale()) await buildWeb();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // React and its JSX transform pick their production build from NODE_ENV; a shell or a test
  // runner that set it to something else would ship the development build.
  process.env.NODE_ENV = 'production';
  try {
    if (process.argv.includes('--if-stale')) await buildWebIfStale();
    else await buildWeb();
  } catch (error) {
    console.error(`cannot build the web UI: ${(error as Error).message}`);
    process.exit(1);
  }
}
