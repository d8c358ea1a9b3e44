import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunRecord } from '@shared/ipc/run-record';
import { appendBatchPoint, MAX_BATCH_POINTS } from '@shared/run-state';
import type { BatchPoint } from '@shared/ipc/run-record';
import { TrainConfig } from '@shared/train';
import { MAX_RUNS, RunHistoryStore } from '../../src/main/settings/run-history';
import { tempDir } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let file: string;
beforeEach(async () => {
  tmp = await tempDir();
  file = path.join(tmp.dir, 'conf', 'runs.json');
});
afterEach(() => tmp.cleanup());

const record = (id: string, over: Partial<RunRecord> = {}): RunRecord =>
  RunRecord.parse({
    id,
    datasetRoot: '/data/x',
    datasetName: 'x',
    classes: ['a', 'b'],
    createdAt: new Date().toISOString(),
    finishedAt: null,
    status: 'done',
    config: TrainConfig.parse({}),
    epochs: [],
    batches: [],
    stage: null,
    fineTuneStart: null,
    summary: null,
    error: null,
    ...over,
  });

describe('run history store', () => {
  it('keeps runs newest first across restarts, replacing by id', async () => {
    const s = new RunHistoryStore(file);
    await s.put(record('one'));
    await s.put(record('two'));
    await s.put(record('one', { status: 'stopped' }));
    const again = new RunHistoryStore(file);
    expect(again.list().map((r) => [r.id, r.status])).toEqual([
      ['two', 'done'],
      ['one', 'stopped'],
    ]);
    await again.remove('two');
    expect(new RunHistoryStore(file).list().map((r) => r.id)).toEqual(['one']);
  });

  it(`forgets the oldest beyond ${MAX_RUNS}`, async () => {
    const s = new RunHistoryStore(file);
    for (let i = 0; i < MAX_RUNS + 3; i++) void s.put(record(`r${i}`));
    await s.flushed();
    const list = new RunHistoryStore(file).list();
    expect(list).toHaveLength(MAX_RUNS);
    expect(list[0].id).toBe(`r${MAX_RUNS + 2}`);
  });

  it('drops broken records one by one and marks runs cut short by a crash as failed', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        runs: [record('ok'), { id: 'junk' }, record('mid', { status: 'running' })],
      }),
    );
    const list = new RunHistoryStore(file).list();
    expect(list.map((r) => [r.id, r.status])).toEqual([
      ['ok', 'done'],
      ['mid', 'failed'],
    ]);
    expect(list[1].error).toMatch(/closed while this run was training/);
  });

  it('loads runs saved before features.runtime and features.corrupt existed, and keeps new ones', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(file), { recursive: true });
    const summary = {
      classes: ['a', 'b'],
      history: [],
      stopped: false,
      earlyStopped: false,
      fineTuned: false,
      evaluation: { val: null, test: null },
      accuracy: 0.9,
      features: { computed: 10, cached: 2, engines: 2, views: 1 },
      timings: { totalMs: 1000 },
      backend: 'wasm on CPU',
      problems: 0,
      base: { id: 'b', displayName: 'B', inputSize: [224, 224], featureShape: [7, 7, 256] },
    };
    const old = { ...record('old'), summary };
    const now = {
      ...record('new'),
      summary: {
        ...summary,
        features: { ...summary.features, corrupt: 3, runtime: 'onnxruntime cpu on CPU' },
      },
    };
    await writeFile(file, JSON.stringify({ version: 1, runs: [now, old] }));
    const list = new RunHistoryStore(file).list();
    expect(list.map((r) => r.id)).toEqual(['new', 'old']);
    expect(list[1].summary?.features).toEqual({ ...summary.features, corrupt: 0, runtime: '' });
    expect(list[0].summary?.features).toMatchObject({ corrupt: 3, runtime: 'onnxruntime cpu on CPU' });
  });

  it('starts empty on a missing or unreadable file, and writes valid JSON', async () => {
    expect(new RunHistoryStore(file).list()).toEqual([]);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{not json');
    const s = new RunHistoryStore(file);
    expect(s.list()).toEqual([]);
    await s.put(record('a'));
    expect(JSON.parse(await readFile(file, 'utf8')).runs[0].id).toBe('a');
  });
});

describe('batch points', () => {
  it('stays bounded and evenly spread over the whole run, start to (nearly) the newest point', () => {
    let pts: BatchPoint[] = [];
    for (let i = 0; i < 5000; i++) pts = appendBatchPoint(pts, { x: i, phase: 'head', loss: i, acc: 0 });
    expect(pts.length).toBeLessThanOrEqual(MAX_BATCH_POINTS);
    expect(pts.length).toBeGreaterThan(MAX_BATCH_POINTS / 2);
    expect(pts[0].x).toBe(0);
    const gaps = pts.slice(1).map((p, i) => p.x - pts[i].x);
    // Even sampling: the early part is no sparser than the late part.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2 * Math.min(...gaps));
    expect(4999 - pts.at(-1)!.x).toBeLessThan(Math.max(...gaps));
  });
});
