/**
 * The quality check's perceptual hashes on a cold cache come from feature extraction's own decode (no
 * second decode per image), and equal what decoding the file for the hash alone gives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainConfig } from '@shared/train';
import { initBackend } from '../../src/main/engine/backend';
import { scanDataset, withoutEmptyClasses } from '../../src/main/engine/dataset/scan';
import { pipelineContext } from '../../src/main/engine/pipeline/context';
import { cleanFeatures } from '../../src/main/engine/pipeline/pre-pass';
import { perceptualHash, phashOfDecode, type PerceptualHash } from '../../src/main/engine/quality/phash';
import { cachedPerceptualHashes } from '../../src/main/engine/quality/phash-cache';
import { HYMENOPTERA, MODELS } from '../helpers/shared';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-phash-extract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('perceptual hashes from the extraction decode', () => {
  it('a cold check decodes no image for them; they equal a fresh decode’s; the cache then has them', async () => {
    const config = TrainConfig.parse({ base: 'mobilenet_v2_0.35_224' });
    const scan = withoutEmptyClasses(await scanDataset(HYMENOPTERA, config.split));
    const files = scan.files.filter((f) => f.split === 'val');
    const input = {
      scan,
      config,
      cacheDir: tmp,
      mirrorDir: MODELS,
      backend: await initBackend('wasm'),
      engines: 1,
    };
    const known = new Map<string, PerceptualHash>();
    const { set, runtime } = await cleanFeatures(
      pipelineContext(),
      input,
      files,
      () => 'avg',
      (hash, img) => {
        const h = phashOfDecode(img, config.resize);
        if (h) known.set(hash, h);
      },
    );
    await set.table.close();
    expect(runtime).toMatch(/^onnxruntime/); // decoded on this thread, where the hook is told
    expect(set.computed).toBe(files.length);
    const images = set.items.map((it) => ({ path: it.file.path, contentHash: it.hash }));
    const cold = await cachedPerceptualHashes(images, tmp, { known });
    expect(cold).toMatchObject({ computed: 0, fromExtraction: files.length, cached: 0, corrupt: 0 });
    for (const i of [0, 1, 2, 40, 80, 120, files.length - 1])
      expect(cold.hashes[i]).toEqual(await perceptualHash(images[i].path));
    const warm = await cachedPerceptualHashes(images, tmp);
    expect(warm).toMatchObject({ computed: 0, fromExtraction: 0, cached: files.length });
    expect(warm.hashes).toEqual(cold.hashes);
    // Another resize mode decodes another image: those decodes give no hash.
    expect(
      phashOfDecode({ width: 224, height: 224, data: new Uint8Array(224 * 224 * 3) }, 'center-crop'),
    ).toBe(null);
  }, 120_000);
});
