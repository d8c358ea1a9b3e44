/** Shared test fixtures: temp dirs, real images made with sharp, a real app core (engine in a child process). */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createAppCore } from '../../src/main/core/app-core';
import type { AppCore } from '../../src/main/core/app-core';
import { nodeEngineLauncher } from '../../src/main/engine-host/launcher';
import { JsonFileSettingsStore } from '../../src/main/settings/store';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const HYMENOPTERA = path.resolve(REPO, '../shared/datasets/hymenoptera_data');

export async function tempDir(prefix = 'ts-test-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A real JPEG with a colour gradient-ish fill, so every file differs. */
export async function writeJpeg(file: string, width = 64, height = 48, seed = 0): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: (seed * 53) % 256, g: (seed * 97) % 256, b: (seed * 151) % 256 },
    },
  })
    .jpeg({ quality: 90 })
    .toFile(file);
}

/**
 * root/<class>/*.jpg good images plus, in `bad/`, the three classic broken files: a zero-byte .jpg,
 * a text file named .jpg, and a truncated JPEG.
 */
export async function makeDataset(
  root: string,
  perClass: Record<string, number>,
  withProblems = false,
): Promise<void> {
  let seed = 1;
  for (const [cls, n] of Object.entries(perClass)) {
    for (let i = 0; i < n; i++)
      await writeJpeg(path.join(root, cls, `img_${String(i).padStart(3, '0')}.jpg`), 64 + i, 48, seed++);
  }
  if (withProblems) {
    const cls = Object.keys(perClass)[0];
    await writeFile(path.join(root, cls, 'empty.jpg'), Buffer.alloc(0));
    await writeFile(path.join(root, cls, 'notes.jpg'), 'this is not an image\n');
    const full = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#3a7' } })
      .jpeg()
      .toBuffer();
    await writeFile(path.join(root, cls, 'truncated.jpg'), full.subarray(0, Math.floor(full.length / 3)));
  }
}

export function makeCore(
  dataDir: string,
  o: { mode?: 'electron' | 'browser'; fsRoots?: string[] | null } = {},
): AppCore {
  return createAppCore({
    mode: o.mode ?? 'browser',
    version: '0.0.0-test',
    settings: new JsonFileSettingsStore(path.join(dataDir, 'settings.json')),
    launcher: nodeEngineLauncher(),
    fsRoots: o.fsRoots === undefined ? null : o.fsRoots,
    fallbackCacheDir: path.join(dataDir, 'cache'),
  });
}
