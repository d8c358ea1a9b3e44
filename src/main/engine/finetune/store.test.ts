import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boundaryKey, boundaryVariant, decodeEntry, DiskBoundaryStore, encodeEntry } from './store';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ts-boundary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const arrays = () => [Float32Array.from([1, 2.5, -3]), Float32Array.from([]), Float32Array.from([7, 8])];

describe('boundary store', () => {
  it('round-trips entries on disk, atomically, under a key of variant + content + view', async () => {
    const store = new DiskBoundaryStore(dir);
    const variant = boundaryVariant({ base: 'f00d', resize: 'stretch' }, ['block_13_project_BN:0:0']);
    expect(variant).not.toBe(boundaryVariant({ base: 'f00d', resize: 'stretch' }, ['Conv_1:0:0']));
    const key = boundaryKey(variant, 'ab12cd', 3);
    await Promise.all([store.put(key, arrays()), store.put(key, arrays())]);
    expect((await store.get(key))!.map((a) => Array.from(a))).toEqual([[1, 2.5, -3], [], [7, 8]]);
    expect(await store.get(boundaryKey(variant, 'ab12cd', 4))).toBeNull();
    expect(readdirSync(path.join(dir, 'boundary', variant, 'ab'))).toEqual(['ab12cd.3.tsb']);
  });

  it('treats a truncated, bit-flipped or foreign file as a miss, never as data', async () => {
    const store = new DiskBoundaryStore(dir);
    const key = boundaryKey('v', 'ee99', 0);
    await store.put(key, arrays());
    const file = path.join(dir, 'boundary', 'v', 'ee', 'ee99.0.tsb');
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, good.length - 2)); // a killed writer / full disk
    expect(await store.get(key)).toBeNull();
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5] ^= 0x10;
    writeFileSync(file, flipped);
    expect(await store.get(key)).toBeNull();
    writeFileSync(file, 'not an entry');
    expect(await store.get(key)).toBeNull();
    expect(decodeEntry(encodeEntry(arrays()))).not.toBeNull();
  });
});
