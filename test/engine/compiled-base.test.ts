import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { HeadSpec } from '@shared/head';
import { initBackend } from '../../src/main/engine/backend';
import { loadBase } from '../../src/main/engine/bases/load';
import { resolveBase } from '../../src/main/engine/bases/resolve';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { prepareBatch, runBase } from '../../src/main/engine/extract/batch';
import { compileBase } from '../../src/main/engine/extract/compiled-base';
import { buildHead } from '../../src/main/engine/head/build';
import { DTYPE } from '../../src/main/engine/store/format';
import { MemoryTable } from '../../src/main/engine/store/table';
import { globalPool, hoistPooling, storedFormFor } from '../../src/main/engine/train/hoist';
import { tf } from '../../src/main/engine/tf';
import { HYMENOPTERA, MODELS } from '../helpers/shared';

describe('the compiled (BatchNorm-folded graph) base', () => {
  it.each(['mobilenet_v1_0.25_224', 'mobilenet_v2_0.35_224'])(
    '%s gives the layers model’s features on real photos',
    async (id) => {
      await initBackend('wasm');
      const base = await loadBase(await resolveBase(id, { mirrorDir: MODELS, download: false }));
      const compiled = await compileBase(base);
      expect(compiled.kind).toBe('graph');
      const scan = await scanDataset(HYMENOPTERA);
      const files = scan.files.filter((_, i) => i % 50 === 0).slice(0, 8);
      const pixel = {
        inputSize: base.inputSize,
        resize: 'stretch' as const,
        preprocessing: base.preprocessing,
      };
      const batch = await prepareBatch(
        await Promise.all(
          files.map(async (f) => ({ bytes: new Uint8Array(await readFile(f.path)), augment: null, seed: 0 })),
        ),
        pixel,
      );
      const fast = runBase(compiled, batch, pixel);
      const ref = tf.tidy(() =>
        (base.model.predict(tf.tensor4d(batch.input, [8, 224, 224, 3])) as tf.Tensor).dataSync(),
      );
      let maxAbs = 0;
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(ref[i]));
        maxDiff = Math.max(maxDiff, Math.abs(ref[i] - fast[i]));
      }
      expect(maxAbs).toBeGreaterThan(0.5);
      expect(maxDiff / maxAbs).toBeLessThan(1e-4);
    },
  );
});

describe('pooling hoisted out of the head', () => {
  it('pools like tfjs and predicts what the full head predicts on the feature map', async () => {
    await tf.setBackend('cpu');
    const shape = [3, 4, 5];
    const spec = HeadSpec.parse({ layers: [{ type: 'globalAveragePooling' }, { type: 'dense', units: 6 }] });
    const head = buildHead(spec, shape, 3);
    const maps = Array.from({ length: 4 }, (_, k) =>
      Float32Array.from({ length: 60 }, (_, i) => Math.sin(i * 0.7 + k)),
    );
    // Extraction stores pooled vectors for such a head (rows of the set's table).
    const table = new MemoryTable(maps.length, 5, 'float32');
    maps.forEach((m, k) => {
      const v = globalPool(m, 5, 'avg');
      table.set(k, DTYPE.f32, new Uint8Array(v.buffer));
    });
    const items = maps.map((_, k) => ({
      file: {
        path: `/x/${k}`,
        rel: `${k}`,
        classIndex: 0,
        split: 'train' as const,
        bytes: 1,
        width: 1,
        height: 1,
        format: 'png',
      },
      hash: String(k),
      views: [k],
    }));
    expect(storedFormFor(spec, shape)).toBe('avg');
    const set = {
      featureShape: shape,
      form: 'avg' as const,
      vectorShape: [5],
      vectorSize: 5,
      table,
      items,
      computed: 0,
      cached: 0,
      corrupt: 0,
      problems: [],
    };
    const hoisted = hoistPooling(spec, head, set);
    expect(hoisted.inputShape).toEqual([5]);
    const gap = tf.tidy(() => tf.mean(tf.tensor(maps[1], [1, ...shape]), [1, 2]).dataSync());
    expect(Array.from(globalPool(maps[1], 5, 'avg'))).toEqual(
      Array.from(gap).map((v) => expect.closeTo(v, 6)),
    );
    const full = tf.tidy(() =>
      (head.model.predict(tf.tensor(maps[2], [1, ...shape])) as tf.Tensor).dataSync(),
    );
    const row = new Float32Array(5);
    await table.read([hoisted.items[2].views[0]], row);
    const pooled = tf.tidy(() => (hoisted.model.predict(tf.tensor(row, [1, 5])) as tf.Tensor).dataSync());
    Array.from(full).forEach((v, i) => expect(pooled[i]).toBeCloseTo(v, 6));
    const max = globalPool(Float32Array.from([1, -2, 3, -4, -5, 6]), 2, 'max');
    expect(Array.from(max)).toEqual([3, 6]);
  });
});
