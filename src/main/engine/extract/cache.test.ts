import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FeatureCache } from './cache';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ts-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FeatureCache', () => {
  it('survives the same image written twice at once (duplicate files in a dataset) and reads it back', async () => {
    const cache = new FeatureCache(dir);
    const v = Float32Array.from([1, 2, 3, 4]);
    await Promise.all([
      cache.put('variant', 'ab12', v),
      cache.put('variant', 'ab12', v),
      cache.put('variant', 'ab12', v),
    ]);
    expect(Array.from((await cache.get('variant', 'ab12', 4))!)).toEqual([1, 2, 3, 4]);
    expect(await cache.get('variant', 'ab12', 5)).toBeNull(); // wrong size = a miss, not garbage
    expect(readdirSync(path.join(dir, 'features', 'variant', 'ab'))).toEqual(['ab12.f32']); // no temp files left
  });
});
