import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The newest modification time under `path` (directories count too, so a removed file shows), in
 * ms; `skip(dir, entry)` leaves out entries such as a build's own output.
 */
export async function newestMtime(path: string, skip: (dir: string, entry: string) => boolean = () => false): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = (await readdir(path)).filter((entry) => !skip(path, entry));
  return Math.max(info.mtimeMs, ...(await Promise.all(entries.map((entry) => newestMtime(join(path, entry), skip)))));
}
