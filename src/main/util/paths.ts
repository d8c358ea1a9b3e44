import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The OS cache dir for Transfer Studio (XDG on Linux, Library/Caches on macOS, LOCALAPPDATA on Windows). */
export function defaultCacheDir(): string {
  if (process.env.TRANSFER_STUDIO_CACHE) return process.env.TRANSFER_STUDIO_CACHE;
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'transfer-studio');
  if (process.platform === 'win32')
    return path.join(
      process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'),
      'transfer-studio',
      'Cache',
    );
  return path.join(process.env.XDG_CACHE_HOME || path.join(home, '.cache'), 'transfer-studio');
}

/** The repository (or packaged app) root: the nearest folder above this file holding package.json. */
export function appRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** `../shared` beside the checkout: the bundled demo data and local model mirror, when present. */
export function sharedDir(): string | null {
  const dir = path.resolve(appRoot(), '..', 'shared');
  return existsSync(path.join(dir, 'models')) ? dir : null;
}

/** Local model mirrors, most specific first: explicit, env var, `../shared/models`. */
export function modelMirrors(explicit?: string | null): string[] {
  const out: string[] = [];
  if (explicit) out.push(explicit);
  if (process.env.TRANSFER_STUDIO_MODELS)
    out.push(...process.env.TRANSFER_STUDIO_MODELS.split(path.delimiter));
  const shared = sharedDir();
  if (shared) out.push(path.join(shared, 'models'));
  return out;
}
