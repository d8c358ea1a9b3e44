import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HYMENOPTERA } from '../../../../test/helpers/shared';
import { perceptualHash } from './phash';
import { cachedPerceptualHashes, phashCacheFile, readPhashCache } from './phash-cache';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-phash-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Six real photos, known by the sha-256 of their bytes (as the feature store knows them). */
const images = readdirSync(path.join(HYMENOPTERA, 'train', 'bees'))
  .filter((f) => f.endsWith('.jpg'))
  .slice(0, 6)
  .map((f) => {
    const p = path.join(HYMENOPTERA, 'train', 'bees', f);
    return { path: p, contentHash: createHash('sha256').update(readFileSync(p)).digest('hex') };
  });

const RECORD = 52;
const HEADER = 16;

describe('perceptual hashes cached by content hash', () => {
  it('computes on a cold cache, then reads every hash back (the same values) without decoding', async () => {
    const dir = path.join(tmp, 'a');
    const cold = await cachedPerceptualHashes(images, dir);
    expect(cold).toMatchObject({ computed: 6, cached: 0, corrupt: 0 });
    for (const [i, im] of images.entries()) expect(cold.hashes[i]).toEqual(await perceptualHash(im.path));
    // The cache answers by content, not path: a path that no longer exists still gets its hash.
    const moved = images.map((im) => ({ ...im, path: path.join(tmp, 'gone.jpg') }));
    const warm = await cachedPerceptualHashes(moved, dir);
    expect(warm).toMatchObject({ computed: 0, cached: 6, corrupt: 0 });
    expect(warm.hashes).toEqual(cold.hashes);
  });

  it('a damaged record is dropped and its image hashed again; the rewritten file is clean', async () => {
    const dir = path.join(tmp, 'b');
    const cold = await cachedPerceptualHashes(images, dir);
    const file = phashCacheFile(dir);
    const buf = readFileSync(file);
    buf[HEADER + 2 * RECORD + 35] ^= 0x10; // a bit of the third record's hash
    writeFileSync(file, buf);
    const read = await readPhashCache(file);
    expect(read.corrupt).toBe(1);
    expect(read.hashes.size).toBe(5);
    const again = await cachedPerceptualHashes(images, dir);
    expect(again).toMatchObject({ computed: 1, cached: 5, corrupt: 1 });
    expect(again.hashes).toEqual(cold.hashes);
    expect(await cachedPerceptualHashes(images, dir)).toMatchObject({ computed: 0, cached: 6, corrupt: 0 });
  });

  it('a torn file keeps its whole records; a foreign file counts as empty', async () => {
    const dir = path.join(tmp, 'c');
    const cold = await cachedPerceptualHashes(images, dir);
    const file = phashCacheFile(dir);
    writeFileSync(file, readFileSync(file).subarray(0, HEADER + 4 * RECORD + 20));
    const torn = await cachedPerceptualHashes(images, dir);
    expect(torn).toMatchObject({ computed: 2, cached: 4, corrupt: 2 });
    expect(torn.hashes).toEqual(cold.hashes);
    writeFileSync(file, 'not a cache');
    expect(await cachedPerceptualHashes(images, dir)).toMatchObject({ computed: 6, cached: 0, corrupt: 0 });
  });

  it('an undecodable file gets null and is never cached; no cache folder means nothing is written', async () => {
    const dir = path.join(tmp, 'd');
    const bad = path.join(tmp, 'bad.jpg');
    writeFileSync(bad, 'not an image');
    const list = [
      ...images.slice(0, 2),
      { path: bad, contentHash: createHash('sha256').update('x').digest('hex') },
    ];
    const first = await cachedPerceptualHashes(list, dir);
    expect(first.hashes[2]).toBeNull();
    expect((await readPhashCache(phashCacheFile(dir))).hashes.size).toBe(2);
    expect(await cachedPerceptualHashes(list, dir)).toMatchObject({ computed: 1, cached: 2 });
    const none = await cachedPerceptualHashes(images.slice(0, 2), null);
    expect(none).toMatchObject({ computed: 2, cached: 0 });
  });
});
