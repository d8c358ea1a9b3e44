import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheReport } from '../../src/main/engine/store/report';
import { trainOn } from '../helpers/train';
import { HYMENOPTERA, MODELS } from '../helpers/shared';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-fprec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * float16 storage loses no accuracy: the default run (light head, 10 epochs, seed 42) on each shared base
 * reaches the same validation accuracy (±0.5 points) with features stored as float16 and as float32.
 */
describe('float16 feature storage', () => {
  it.each(['mobilenet_v1_0.25_224', 'mobilenet_v2_0.35_224'])(
    '%s: same validation accuracy as float32 (±0.5 points), half the bytes',
    async (base) => {
      const result: Record<string, { accuracy: number; valLoss: number; bytes: number }> = {};
      for (const precision of ['float32', 'float16'] as const) {
        const cacheDir = path.join(tmp, `${base}-${precision}`);
        const run = await trainOn({
          dataDir: HYMENOPTERA,
          config: { base, epochs: 10, seed: 42 },
          cacheDir,
          mirrorDir: MODELS,
          featurePrecision: precision,
        });
        run.dispose();
        const report = await cacheReport(cacheDir);
        expect(report.sets[0].precision).toBe(precision);
        result[precision] = {
          accuracy: run.accuracy!,
          valLoss: run.evaluation.val!.loss,
          bytes: report.sets[0].bytes,
        };
      }
      console.log(`[precision] ${base} ${JSON.stringify(result)}`);
      expect(Math.abs(result.float16.accuracy - result.float32.accuracy)).toBeLessThanOrEqual(0.005);
      expect(result.float16.valLoss).toBeCloseTo(result.float32.valLoss, 2);
      expect(result.float16.bytes).toBeLessThan(result.float32.bytes * 0.6);
    },
  );
});
