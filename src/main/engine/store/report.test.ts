import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheReport } from '@shared/cache';
import { TEST_INFO, TEST_SET, TEST_SIZE, testVector } from '../../../../test/helpers/store-fixture';
import { recordKey } from './format';
import { cacheReport, clearCache } from './report';
import { FeatureStore } from './store';
import { encodeVector } from './table';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function fill(root: string, baseId: string, form: 'avg' | 'full', count: number) {
  const numbers = { ...TEST_SET, base: `weights-of-${baseId}`, form };
  const set = await new FeatureStore(root).open(numbers, { ...TEST_INFO, baseId }, TEST_SIZE);
  for (let i = 0; i < count; i++) {
    const enc = encodeVector(testVector(i), 'float16');
    await set.put(recordKey(`img${i}`, 'clean'), enc.dtype, enc.bytes);
  }
  await set.close();
}

describe('cache report and clear', () => {
  it('sizes the store per variant and per base (zod-valid), and clears one base or everything', async () => {
    const root = path.join(tmp, 'a');
    await fill(root, 'base_a', 'avg', 100);
    await fill(root, 'base_a', 'full', 30);
    await fill(root, 'base_b', 'avg', 50);
    mkdirSync(path.join(root, 'features', 'x', 'ab'), { recursive: true });
    writeFileSync(path.join(root, 'features', 'x', 'ab', 'abcd.f32'), Buffer.alloc(50_000));
    mkdirSync(path.join(root, 'models'));
    writeFileSync(path.join(root, 'models', 'keep.bin'), 'downloaded base');

    const r = CacheReport.parse(await cacheReport(root));
    expect(r.sets).toHaveLength(3);
    expect(r.bases.map((b) => [b.baseId, b.sets, b.records])).toEqual([
      ['base_a', 2, 130],
      ['base_b', 1, 50],
    ]);
    expect(r.legacyBytes).toBeGreaterThanOrEqual(50_000);
    expect(r.totalBytes).toBe(r.storeBytes + r.legacyBytes);
    expect(r.sets.every((s) => s.unsealedChunks === 0 && s.modified !== null)).toBe(true);

    expect(await clearCache(root, { base: 'base_a' })).toMatchObject({
      removedSets: 2,
      legacyRemoved: false,
    });
    expect((await cacheReport(root)).bases.map((b) => b.baseId)).toEqual(['base_b']);
    expect(await clearCache(root)).toMatchObject({ removedSets: 1, legacyRemoved: true });
    const after = await cacheReport(root);
    expect([after.totalBytes, after.sets.length]).toEqual([0, 0]);
    expect(existsSync(path.join(root, 'models', 'keep.bin'))).toBe(true); // models are not the feature cache
  });
});
