/**
 * The Model screen's base cards: every registry base and every model folder the user added, with
 * whether it is on this machine (mirror, download cache, folder) — checked on disk, nothing loaded.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BaseCard, BaseDescription } from '../../shared/ipc/bases';
import { BASES } from '../engine/bases/registry';
import { resolveBase } from '../engine/bases/resolve';

export async function listBaseCards(
  customDirs: string[],
  modelsDir: string,
  described: ReadonlyMap<string, BaseDescription>,
): Promise<BaseCard[]> {
  const registry = await Promise.all(
    BASES.map(async (b): Promise<BaseCard> => {
      const card = {
        id: b.id,
        displayName: b.displayName,
        inputSize: b.inputSize,
        params: b.params,
        sizeBytes: b.sizeBytes,
        imagenetTop1: b.imagenetTop1,
        featureShape: [...b.featureShape],
        custom: false,
      };
      try {
        const r = await resolveBase(b.id, { modelsDir, download: false });
        return { ...card, state: 'local', detail: r.dir };
      } catch {
        return b.url
          ? { ...card, state: 'download', detail: `downloads from ${new URL(b.url).host} on first use` }
          : {
              ...card,
              state: 'unavailable',
              detail: `no tfjs download: convert the Keras weights once (${b.kerasSource?.url ?? 'see README'}) and add the folder`,
            };
      }
    }),
  );
  const custom = customDirs.map((dir): BaseCard => {
    const d = described.get(dir);
    const ok = existsSync(path.join(dir, 'model.json'));
    return {
      id: dir,
      displayName: d?.displayName ?? path.basename(dir),
      inputSize: d?.inputSize[0] ?? 0,
      params: d?.params ?? 0,
      sizeBytes: null,
      imagenetTop1: null,
      featureShape: d?.featureShape ?? null,
      state: ok ? 'local' : 'unavailable',
      detail: ok ? dir : `${dir} has no model.json any more`,
      custom: true,
    };
  });
  return [...registry, ...custom];
}
