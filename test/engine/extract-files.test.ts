/**
 * Feature extraction reads each chunk's files at once: a file that vanished after the scan is reported
 * (one line, the file named) and skipped, and every other image — every augmented view of it — gets
 * exactly the features it gets when nothing is missing.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AugmentSpec } from '@shared/augment';
import { initBackend } from '../../src/main/engine/backend';
import { loadBase, type FeatureBase } from '../../src/main/engine/bases/load';
import { resolveBase } from '../../src/main/engine/bases/resolve';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { extractFeatures, type FeatureSet } from '../../src/main/engine/extract/features';
import { OrtExtractor } from '../../src/main/engine/onnx/extractor';
import { HYMENOPTERA, MODELS } from '../helpers/shared';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-extract-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let base: FeatureBase;

beforeAll(async () => {
  await initBackend('wasm');
  base = await loadBase(await resolveBase('mobilenet_v1_0.25_224', { mirrorDir: MODELS, download: false }));
  for (const split of ['train', 'val'])
    for (const cls of ['ants', 'bees']) {
      const from = path.join(HYMENOPTERA, split, cls);
      const to = path.join(tmp, 'data', split, cls);
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(from)
        .filter((n) => n.endsWith('.jpg'))
        .slice(0, 5))
        copyFileSync(path.join(from, name), path.join(to, name));
    }
}, 120_000);

async function extract(files: Awaited<ReturnType<typeof scanDataset>>['files']): Promise<FeatureSet> {
  const pixel = { inputSize: base.inputSize, resize: 'stretch' as const, preprocessing: base.preprocessing };
  const extractor = await OrtExtractor.create(base, pixel, { device: 'cpu', pool: 'avg' });
  try {
    return await extractFeatures({
      files,
      base,
      extractor,
      pixel,
      store: null,
      form: 'avg',
      augment: AugmentSpec.parse({ horizontalFlip: true, zoomRange: 0.2 }),
      views: 3,
      seed: 5,
      batchSize: 4, // several chunks in flight, views of one file in different chunks
    });
  } finally {
    await extractor.close();
  }
}

describe('extraction reads files per chunk at once', () => {
  it('a file deleted after the scan is reported and skipped; every other view is unchanged', async () => {
    const files = (await scanDataset(path.join(tmp, 'data'))).files;
    const whole = await extract(files);
    expect(whole.problems).toEqual([]);
    expect(whole.items).toHaveLength(files.length);

    const gone = [files.find((f) => f.split === 'train')!, files.find((f) => f.split === 'val')!];
    for (const f of gone) rmSync(f.path);
    const partial = await extract(files);
    expect(partial.problems.map((p) => [p.rel, p.stage, p.reason])).toEqual(
      gone
        .map((f) => [f.rel, 'decode', 'unreadable: ENOENT'])
        .sort((a, b) => files.findIndex((f) => f.rel === a[0]) - files.findIndex((f) => f.rel === b[0])),
    );
    expect(partial.items.map((it) => it.file.rel)).toEqual(
      whole.items.filter((it) => !gone.includes(it.file)).map((it) => it.file.rel),
    );
    const rowsOf = (s: FeatureSet, rel: string) => s.items.find((it) => it.file.rel === rel)!.views;
    const row = async (s: FeatureSet, r: number) => {
      const out = new Float32Array(s.vectorSize);
      await s.table.read([r], out);
      return out;
    };
    for (const it of partial.items) {
      const a = rowsOf(partial, it.file.rel);
      const b = rowsOf(whole, it.file.rel);
      expect(a.length, it.file.rel).toBe(it.file.split === 'train' ? 3 : 1);
      expect(b.length).toBe(a.length);
      for (let v = 0; v < a.length; v++)
        expect(await row(partial, a[v]), `${it.file.rel} view ${v}`).toEqual(await row(whole, b[v]));
    }
  }, 300_000);
});
