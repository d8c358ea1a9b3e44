import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '@shared/engine-events';
import { HEAD_PRESETS } from '@shared/head';
import { loadBase } from '../../src/main/engine/bases/load';
import { resolveBase } from '../../src/main/engine/bases/resolve';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { CHUNK_HEADER, DTYPE, recordBytes } from '../../src/main/engine/store/format';
import { cacheReport, clearCache } from '../../src/main/engine/store/report';
import type { TrainRun } from '../../src/main/engine/pipeline/run';
import { trainOn } from '../helpers/train';
import { HYMENOPTERA, MODELS } from '../helpers/shared';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-fstore-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const REPO = path.resolve(import.meta.dirname, '../..');
const base = 'mobilenet_v1_0.25_224';
const config = { base, head: HEAD_PRESETS.light, epochs: 8, seed: 42, earlyStopping: null };
/** v1-0.25 pooled: 256 channels in float16. */
const REC = recordBytes(DTYPE.f16, 256);

async function train(cacheDir: string, extra: Partial<Parameters<typeof trainOn>[0]> = {}) {
  const warnings: string[] = [];
  const run = await trainOn({
    dataDir: HYMENOPTERA,
    config,
    cacheDir,
    mirrorDir: MODELS,
    engines: 2,
    onEvent: (e: EngineEvent) => e.type === 'log' && e.level === 'warn' && warnings.push(e.message),
    ...extra,
  });
  run.dispose();
  return { run, warnings };
}

const chunkFiles = (cacheDir: string) =>
  readdirSync(path.join(cacheDir, 'store', 'v1'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.chunk'))
    .map((f) => path.join(cacheDir, 'store', 'v1', f));

/** The `train` CLI in its own process (tsx loaded in it: one node process). */
function cli(data: string, cache: string, k: number, onLine?: (line: string, kill: () => void) => void) {
  const args = ['--import', 'tsx', 'src/main/engine/cli/main.ts', 'train', '--data', data, '--base', base];
  args.push('--epochs', '2', '--cache-dir', cache, '--out', path.join(tmp, `out${k}`), '--format', 'tfjs');
  const p = spawn(process.execPath, [...args, '--json'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => {
    const text = d.toString();
    out += text;
    for (const line of text.split('\n')) onLine?.(line, () => p.kill('SIGKILL'));
  });
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) =>
    p.on('close', (code, signal) => resolve({ code, signal, out, err })),
  );
}

const summary = (r: TrainRun) => ({ accuracy: r.accuracy, valLoss: r.evaluation.val!.loss });

describe('feature store in real runs (MobileNet v1 0.25, hymenoptera)', () => {
  const cacheA = path.join(tmp, 'a');
  let clean: TrainRun;
  /** Records damaged by the flipped-bytes test. */
  const flipped = Array.from({ length: 40 }, (_, k) => k * 9 + 3);

  it('stores pooled float16 vectors for a pooling head: one chunk, not a file per image', async () => {
    ({ run: clean } = await train(cacheA));
    expect(clean.features).toMatchObject({ computed: 398, cached: 0, corrupt: 0 });
    expect(clean.accuracy).toBeGreaterThan(0.8);
    const report = await cacheReport(cacheA);
    expect(report.sets).toHaveLength(1);
    expect(report.sets[0]).toMatchObject({
      form: 'avg',
      precision: 'float16',
      vectorShape: [256],
      records: 398,
    });
    expect(report.sets[0].chunks).toBe(1);
    // ~544 bytes a vector (it was 7·7·256·4 = 50 KB a file).
    expect(report.storeBytes).toBeLessThan(398 * REC + 64 * 1024);
  });

  it('detects bytes flipped in stored features (same length), recomputes them, and trains to the clean run’s accuracy', async () => {
    const [chunk] = chunkFiles(cacheA);
    const bytes = readFileSync(chunk);
    const records = (bytes.length - CHUNK_HEADER) / REC;
    expect(records).toBe(398);
    for (const k of flipped) bytes[CHUNK_HEADER + k * REC + 32 + ((k * 37) % 500)] ^= 0x5a;
    writeFileSync(chunk, bytes);
    const { run, warnings } = await train(cacheA);
    expect(run.features).toMatchObject({ computed: 40, cached: 358, corrupt: 40 });
    expect(warnings.join('\n')).toMatch(/40 stored feature vector\(s\) failed their checks/);
    expect(summary(run)).toEqual({
      accuracy: clean.accuracy,
      valLoss: expect.closeTo(summary(clean).valLoss, 5),
    });
  });

  it('reuses every entry on a warm run: zero base forward passes, the extractor never starts', async () => {
    const { run } = await train(cacheA);
    expect(run.features).toMatchObject({ computed: 0, cached: 398, corrupt: 0, engines: 0 });
    expect(run.accuracy).toBe(clean.accuracy);
  });

  it('streams from the store above the memory budget, training as well as in memory', async () => {
    const { run } = await train(cacheA, { featureMemoryBudget: 1 });
    expect(run.features).toMatchObject({ computed: 0, cached: 398 });
    expect(run.accuracy).toBeGreaterThan(clean.accuracy! - 0.04);
  });

  it('detects a truncated chunk (a killed writer or a full disk): the lost vectors are recomputed', async () => {
    // The first run's chunk holds all 398 records (the 40 recomputed above went to a second chunk).
    const [chunk] = chunkFiles(cacheA).sort((a, b) => statSync(b).size - statSync(a).size);
    expect(statSync(chunk).size).toBe(CHUNK_HEADER + 398 * REC);
    truncateSync(chunk, CHUNK_HEADER + 250 * REC + 17);
    // Records 250…397 are gone, except those flipped earlier (already recomputed elsewhere).
    const lost = 148 - flipped.filter((k) => k >= 250).length;
    const { run } = await train(cacheA);
    expect(run.features).toMatchObject({ computed: lost, cached: 398 - lost, corrupt: lost });
    expect(run.accuracy).toBe(clean.accuracy);
  });

  it('ignores an old-layout cache holding wrong numbers at the exact old paths; clear removes it', async () => {
    const cacheB = path.join(tmp, 'b');
    const fb = await loadBase(await resolveBase(base, { mirrorDir: MODELS, download: false }));
    const variant = createHash('sha256')
      .update(
        JSON.stringify({
          base: fb.fingerprint,
          resize: 'stretch',
          pre: fb.preprocessing,
          size: fb.inputSize,
        }),
      )
      .digest('hex')
      .slice(0, 20);
    fb.full.dispose();
    const scan = await scanDataset(HYMENOPTERA);
    const garbage = Buffer.from(new Float32Array(7 * 7 * 256).fill(1000).buffer);
    for (const f of scan.files) {
      const hash = createHash('sha256').update(readFileSync(f.path)).digest('hex');
      const dir = path.join(cacheB, 'features', variant, hash.slice(0, 2));
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${hash}.f32`), garbage);
    }
    const { run } = await train(cacheB);
    expect(run.features).toMatchObject({ computed: 398, cached: 0 });
    expect(run.accuracy).toBe(clean.accuracy);
    const report = await cacheReport(cacheB);
    expect(report.legacyBytes).toBeGreaterThan(390 * garbage.length);
    expect(await clearCache(cacheB)).toMatchObject({ legacyRemoved: true, removedSets: 1 });
    expect(existsSync(path.join(cacheB, 'features'))).toBe(false);
    expect((await cacheReport(cacheB)).totalBytes).toBe(0);
  });

  it('after a train process is killed (SIGKILL) mid-extraction, a rerun reuses what it had stored and trains to the clean accuracy', async () => {
    const cache = path.join(tmp, 'killed');
    let killedAt = 0;
    const res = await cli(HYMENOPTERA, cache, 9, (line, kill) => {
      const m = /"stage":"extract","done":(\d+)/.exec(line);
      if (m && Number(m[1]) >= 250 && !killedAt) {
        killedAt = Number(m[1]);
        kill();
      }
    });
    expect(res.signal).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThanOrEqual(250);
    const { run } = await train(cache);
    // Writes are flushed every 32 records or second: most of what was computed before the kill is kept.
    expect(run.features.cached).toBeGreaterThan(100);
    expect(run.features.cached + run.features.computed).toBe(398);
    expect(run.features.corrupt).toBe(0);
    expect(run.accuracy).toBe(clean.accuracy);
    expect((await cacheReport(cache)).sets[0].unsealedChunks).toBe(0); // the dead writer's chunk got sealed
  });

  it('stores full maps only for a Flatten head; a later pooling head pools them instead of running the base', async () => {
    const cacheC = path.join(tmp, 'c');
    const flatten = { layers: [{ type: 'flatten' as const }, { type: 'dense' as const, units: 16 }] };
    const first = await train(cacheC, { config: { ...config, head: flatten, epochs: 2 } });
    expect(first.run.features.computed).toBe(398);
    let report = await cacheReport(cacheC);
    expect(report.sets.map((s) => [s.form, s.vectorShape])).toEqual([['full', [7, 7, 256]]]);
    const pooled = await train(cacheC);
    expect(pooled.run.features).toMatchObject({ computed: 0, cached: 398 });
    // Pooled from float16-rounded maps, so equal to the directly pooled vectors only within float16
    // rounding: one validation image (0.65 points) may flip.
    expect(Math.abs(pooled.run.accuracy! - clean.accuracy!)).toBeLessThanOrEqual(0.014);
    report = await cacheReport(cacheC);
    expect(report.sets.map((s) => s.form).sort()).toEqual(['avg', 'full']);
    // Clearing one base removes its variants only.
    expect(await clearCache(cacheC, { base: 'mobilenet_v2_0.35_224' })).toMatchObject({ removedSets: 0 });
    expect(await clearCache(cacheC, { base })).toMatchObject({ removedSets: 2 });
  });
});

describe('two train processes on one dataset and cache at once', () => {
  it('both succeed, and the store they leave is whole: a third run computes nothing and finds nothing damaged', async () => {
    // A 100-image dataset of symlinks to real photos (nothing copied).
    const data = path.join(tmp, 'small');
    for (const cls of ['ants', 'bees']) {
      mkdirSync(path.join(data, cls), { recursive: true });
      const src = path.join(HYMENOPTERA, 'train', cls);
      const names = readdirSync(src)
        .filter((n) => /\.jpe?g$/i.test(n) && statSync(path.join(src, n)).size > 0)
        .slice(0, 50);
      for (const n of names) symlinkSync(path.join(src, n), path.join(data, cls, n));
    }
    const cache = path.join(tmp, 'concurrent');
    const results = await Promise.all([cli(data, cache, 1), cli(data, cache, 2)]);
    for (const r of results) {
      expect(r.code, r.err).toBe(0);
      const s = JSON.parse(r.out.trim().split('\n').pop()!);
      expect(s.features.computed + s.features.cached).toBe(100);
    }
    // Both really extracted (at the same time), so the set holds two writers' chunks.
    expect(chunkFiles(cache).length).toBeGreaterThanOrEqual(2);
    const report = await cacheReport(cache);
    expect(report.sets[0].unsealedChunks).toBe(0);
    const third = await trainOn({
      dataDir: data,
      config: { ...config, epochs: 2 },
      cacheDir: cache,
      mirrorDir: MODELS,
    });
    third.dispose();
    expect(third.features).toMatchObject({ computed: 0, cached: 100, corrupt: 0, engines: 0 });
  });
});
