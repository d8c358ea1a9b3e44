/**
 * The frozen base on ONNX Runtime changes nothing a user can measure but speed: the same run (hymenoptera,
 * MobileNetV2-0.35, light head, 10 epochs, same seed) with features from ORT and from tfjs reaches the
 * same validation accuracy (± 1 point), and the run reports what ran the base.
 */
import { describe, expect, it } from 'vitest';
import { HEAD_PRESETS } from '@shared/head';
import { trainOn } from '../helpers/train';
import { HYMENOPTERA, MODELS } from '../helpers/shared';

const config = { base: 'mobilenet_v2_0.35_224', head: HEAD_PRESETS.light, epochs: 10, earlyStopping: null };

describe('training on ORT features vs tfjs features', () => {
  it('reaches the same validation accuracy (± 1 point)', async () => {
    const run = (device: 'cpu' | 'tfjs') =>
      trainOn({
        dataDir: HYMENOPTERA,
        config,
        cacheDir: null,
        mirrorDir: MODELS,
        backend: 'wasm',
        device,
      });
    const ort = await run('cpu');
    const tfjs = await run('tfjs');
    console.log(
      `ORT ${ort.accuracy} (${ort.timings.extractMs} ms extraction) vs tfjs ${tfjs.accuracy} (${tfjs.timings.extractMs} ms); ${ort.features.runtime} | ${tfjs.features.runtime}`,
    );
    expect(ort.features.computed).toBe(398);
    expect(tfjs.features.computed).toBe(398);
    expect(ort.features.runtime).toMatch(/^onnxruntime cpu on CPU/);
    expect(tfjs.features.runtime).toMatch(/^tfjs wasm on CPU/);
    expect(ort.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(Math.abs(ort.accuracy! - tfjs.accuracy!)).toBeLessThanOrEqual(0.01);
    // Same seed, features within 1e-4: the per-class confusion agrees to at most one image.
    const cells = (r: typeof ort) => r.evaluation.val!.confusion.flat();
    const moved = cells(ort).reduce((a, v, i) => a + Math.abs(v - cells(tfjs)[i]), 0) / 2;
    expect(moved).toBeLessThanOrEqual(1);
    ort.dispose();
    tfjs.dispose();
  });
});
