import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_INFO, TEST_SET, TEST_SIZE, testVector } from '../../../../test/helpers/store-fixture';
import { CHUNK_HEADER, recordBytes, recordKey, DTYPE } from './format';
import { decodeHalf, encodeHalf } from './half';
import { FeatureStore } from './store';
import { HOST_TAG } from './writer';
import { decodeInto, encodeVector } from './table';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshRoot = () => path.join(tmp, `r${n++}`);
const REPO = path.resolve(import.meta.dirname, '../../../..');
const key = (i: number) => recordKey(`image-${i}`, 'clean');
const REC = recordBytes(DTYPE.f16, TEST_SIZE);

/** What a stored vector reads back as: its float16 rounding. */
const rounded = (i: number) => {
  const out = new Float32Array(TEST_SIZE);
  decodeHalf(encodeHalf(testVector(i)), 0, TEST_SIZE, out, 0);
  return out;
};

async function write(root: string, ids: number[], maxChunkBytes = 1 << 20) {
  const set = await new FeatureStore(root, { maxChunkBytes }).open(TEST_SET, TEST_INFO, TEST_SIZE);
  for (const i of ids) {
    const enc = encodeVector(testVector(i), 'float16');
    await set.put(key(i), enc.dtype, enc.bytes);
  }
  await set.close();
}

/** Opens the set and reads every id: which are present and intact, which failed, and the set's counters. */
async function readAll(root: string, ids: number[]) {
  const set = await new FeatureStore(root).open(TEST_SET, TEST_INFO, TEST_SIZE);
  const present = ids.filter((i) => set.locate(key(i)) !== undefined);
  const values = new Map<number, Float32Array>();
  const failed = await set.readLocs(
    present.map((i) => set.locate(key(i))!),
    present.map(key),
    (j, dtype, buf, at) => {
      const v = new Float32Array(TEST_SIZE);
      decodeInto(dtype, buf, at, TEST_SIZE, v, 0);
      values.set(present[j], v);
    },
  );
  const corrupt = set.corrupt;
  await set.close();
  for (const [i, v] of values) expect(Array.from(v)).toEqual(Array.from(rounded(i)));
  return {
    present,
    intact: [...values.keys()].sort((a, b) => a - b),
    failed: failed.map((j) => present[j]),
    corrupt,
  };
}

const setDir = (root: string) => new FeatureStore(root).setDir(TEST_SET);
const files = (root: string, ext: string) =>
  readdirSync(setDir(root))
    .filter((f) => f.endsWith(ext))
    .sort();
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

function child(
  root: string,
  first: number,
  count: number,
  maxChunk: number,
  mode: 'seal' | 'die',
  barrier?: string,
) {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(REPO, 'test/helpers/store-writer-child.ts'),
      root,
      String(first),
      String(count),
      String(maxChunk),
      mode,
      ...(barrier ? [barrier] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO },
  );
  let err = '';
  let out = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string; out: string }>(
    (resolve) => proc.on('close', (code, signal) => resolve({ code, signal, err, out })),
  );
}

describe('feature store set', () => {
  it('appends many records per chunk file, rolls over, and reads them all back from the index', async () => {
    const root = freshRoot();
    await write(root, range(0, 300), 16 << 10);
    const chunks = files(root, '.chunk');
    expect(chunks.length).toBeGreaterThan(3); // 224-byte records, 16 KB chunks
    expect(chunks.length).toBeLessThan(6);
    expect(files(root, '.idx').length).toBe(chunks.length); // every chunk sealed
    const r = await readAll(root, range(0, 310));
    expect(r.intact).toEqual(range(0, 300));
    expect(r.corrupt).toBe(0);
    const meta = JSON.parse(readFileSync(path.join(setDir(root), 'set.json'), 'utf8'));
    expect(meta).toMatchObject({ baseId: 'test_base', form: 'avg', precision: 'float16', version: 1 });
  });

  it('detects flipped bytes (same length) in a record: never returned, dropped from the index, gone on reopen', async () => {
    const root = freshRoot();
    await write(root, range(0, 50));
    const [chunk] = files(root, '.chunk');
    const file = path.join(setDir(root), chunk);
    const bytes = readFileSync(file);
    // Records are appended in order: flip one payload byte of record 7 and one key byte of record 20.
    bytes[CHUNK_HEADER + 7 * REC + 40] ^= 0x10;
    bytes[CHUNK_HEADER + 20 * REC + 18] ^= 0x01;
    writeFileSync(file, bytes);
    const first = await readAll(root, range(0, 50));
    expect(first.failed).toEqual([7, 20]);
    expect(first.corrupt).toBe(2);
    const again = await readAll(root, range(0, 50));
    expect(again.present).toEqual(range(0, 50).filter((i) => i !== 7 && i !== 20));
    expect(again.failed).toEqual([]);
  });

  it('detects a truncated chunk: the lost records are dropped, the whole ones still read', async () => {
    const root = freshRoot();
    await write(root, range(0, 40));
    const [chunk] = files(root, '.chunk');
    truncateSync(path.join(setDir(root), chunk), CHUNK_HEADER + 25 * REC + 100);
    const r = await readAll(root, range(0, 40));
    expect(r.corrupt).toBe(15);
    expect(r.intact).toEqual(range(0, 25));
  });

  it('rebuilds a damaged index from its chunk', async () => {
    const root = freshRoot();
    await write(root, range(0, 30));
    const [idx] = files(root, '.idx');
    const file = path.join(setDir(root), idx);
    const bytes = readFileSync(file);
    bytes[bytes.length - 30] ^= 0xff;
    writeFileSync(file, bytes);
    const r = await readAll(root, range(0, 30));
    expect(r.intact).toEqual(range(0, 30));
    expect(readFileSync(file).equals(bytes)).toBe(false); // re-sealed
  });

  it('never reads files of another set, layout or version', async () => {
    const root = freshRoot();
    await write(root, range(0, 10));
    const other = { ...TEST_SET, precision: 'float32' as const };
    const otherSet = await new FeatureStore(root).open(other, TEST_INFO, TEST_SIZE);
    const enc = encodeVector(testVector(99), 'float32');
    await otherSet.put(key(99), enc.dtype, enc.bytes);
    await otherSet.close();
    const otherDir = new FeatureStore(root).setDir(other);
    const [oc] = readdirSync(otherDir).filter((f) => f.endsWith('.chunk'));
    // Another set's sealed chunk copied in (as if mis-filed), and junk named like a chunk of a dead writer.
    writeFileSync(path.join(setDir(root), `x${oc}`), readFileSync(path.join(otherDir, oc)));
    writeFileSync(
      path.join(setDir(root), `${HOST_TAG}-999999999-00000000-00000.chunk`),
      Buffer.alloc(5000, 7),
    );
    const r = await readAll(root, [...range(0, 10), 99]);
    expect(r.intact).toEqual(range(0, 10));
    expect(readdirSync(setDir(root))).not.toContain(`${HOST_TAG}-999999999-00000000-00000.chunk`);
  });

  it('recovers the chunk of a writer killed mid-run (SIGKILL, no index): scanned, sealed, all flushed records kept', async () => {
    const root = freshRoot();
    const res = await child(root, 0, 200, 1 << 20, 'die');
    expect(res.signal).toBe('SIGKILL');
    expect(files(root, '.chunk')).toHaveLength(1);
    expect(files(root, '.idx')).toHaveLength(0);
    const r = await readAll(root, range(0, 200));
    expect(r.intact).toEqual(range(0, 200));
    expect(files(root, '.idx')).toHaveLength(1); // the dead writer's chunk is now sealed
  });

  it('two processes writing the same set at once (overlapping keys, many chunks) leave it whole', async () => {
    const root = freshRoot();
    const barrier = path.join(tmp, 'barrier');
    mkdirSync(barrier);
    const [a, b] = await Promise.all([
      child(root, 0, 3000, 96 << 10, 'seal', barrier),
      child(root, 1500, 3000, 96 << 10, 'seal', barrier),
    ]);
    expect([a.code, b.code, a.err, b.err]).toEqual([0, 0, '', '']);
    // They really overlapped in time (each wrote while the other was writing).
    const [ta, tb] = [JSON.parse(a.out), JSON.parse(b.out)];
    expect(Math.min(ta.ended, tb.ended)).toBeGreaterThan(Math.max(ta.started, tb.started));
    const r = await readAll(root, range(0, 4500));
    expect(r.corrupt).toBe(0);
    expect(r.intact).toEqual(range(0, 4500));
    expect(files(root, '.chunk').length).toBeGreaterThan(10);
    expect(files(root, '.idx').length).toBe(files(root, '.chunk').length);
    expect(readdirSync(setDir(root)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('stops writing after an error (the folder vanished) without failing the caller; earlier records stay valid', async () => {
    const root = freshRoot();
    const set = await new FeatureStore(root, { maxChunkBytes: 8 << 10 }).open(TEST_SET, TEST_INFO, TEST_SIZE);
    const put = (i: number) => {
      const enc = encodeVector(testVector(i), 'float16');
      return set.put(key(i), enc.dtype, enc.bytes);
    };
    for (let i = 0; i < 30; i++) expect(await put(i)).not.toBeNull();
    // The set folder replaced by a file: every later chunk or index write fails (as on a full disk).
    rmSync(setDir(root), { recursive: true });
    writeFileSync(setDir(root), 'not a folder');
    const after = await Promise.all(range(30, 200).map(put));
    expect(after.some((l) => l === null)).toBe(true);
    expect(set.writeError).not.toBeNull();
    await set.close();
    expect(statSync(setDir(root)).isFile()).toBe(true);
  });
});
