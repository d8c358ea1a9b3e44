/**
 * The Resume button's channel through the real app core (handlers → engine host → engine process with
 * real weights): a stopped run is resumable, resumes from its last checkpoint, replaces itself in the
 * history and ends with all its epochs; what cannot be resumed is refused with a clear error.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HEAD_PRESETS } from '@shared/head';
import type { ApiResult } from '@shared/ipc/contract';
import type { RunView } from '@shared/ipc/run-record';
import { TrainConfig } from '@shared/train';
import type { AppCore } from '../../src/main/core/app-core';
import { dispatch } from '../../src/main/core/dispatch';
import { makeCore, makeDataset, tempDir } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let core: AppCore;
let datasetId: string;

const call = async (channel: string, req: unknown) => dispatch(core.handlers, channel, req);
const ok = <T>(r: ApiResult<unknown>): T => {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.data as T;
};
const fail = (r: ApiResult<unknown>) => {
  if (r.ok) throw new Error(`expected failure, got ${JSON.stringify(r.data).slice(0, 200)}`);
  return r.error;
};
const EPOCHS = 8;
const config = TrainConfig.parse({
  base: 'mobilenet_v1_0.25_224',
  head: HEAD_PRESETS.light,
  epochs: EPOCHS,
  batchSize: 4,
  earlyStopping: null,
});

const finished = (id: string) =>
  new Promise<RunView>((resolve) => {
    const off = core.events.subscribe((e, p) => {
      const v = p as RunView;
      if (e === 'runUpdate' && v.id === id && v.finishedAt !== null) {
        off();
        resolve(v);
      }
    });
  });
const epochSeen = (id: string, epoch: number) =>
  new Promise<void>((resolve) => {
    const off = core.events.subscribe((e, p) => {
      const m = p as { jobId: string; epoch: number };
      if (e === 'jobEpoch' && m.jobId === id && m.epoch >= epoch) {
        off();
        resolve();
      }
    });
  });

beforeAll(async () => {
  tmp = await tempDir();
  const data = path.join(tmp.dir, 'ds');
  await makeDataset(data, { red: 14, blue: 14 });
  core = makeCore(path.join(tmp.dir, 'state'), { mode: 'browser', fsRoots: [tmp.dir] });
  datasetId = ok<{ id: string }>(await call('openDataset', { path: data })).id;
});
afterAll(async () => {
  core.dispose();
  await tmp.cleanup();
});

describe('resumeTraining', () => {
  it('a run stopped after epoch 2 resumes from its checkpoint and ends with every epoch, in its place', async () => {
    const v = ok<RunView>(await call('startTraining', { datasetId, config }));
    expect(v.resumable).toBe(false);
    await epochSeen(v.id, 2);
    ok(await call('stopTraining', { runId: v.id }));
    const stopped = await finished(v.id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.resumable).toBe(true);
    const done = stopped.epochs.length;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(EPOCHS);

    const resumed = ok<RunView>(await call('resumeTraining', { runId: v.id }));
    expect(resumed.id).not.toBe(v.id);
    expect(resumed.status).toBe('running');
    expect(resumed.epochs.map((e) => e.epoch)).toEqual(stopped.epochs.map((e) => e.epoch));
    const end = await finished(resumed.id);
    expect(end.status).toBe('done');
    // One timeline: the stopped run's epochs, then the resumed ones, each once.
    expect(end.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
    expect(end.summary?.history.map((e) => e.epoch)).toEqual(end.epochs.map((e) => e.epoch));
    expect(end.resumable).toBe(false);
    // Finished: its folder (checkpoints) is gone; the old run is out of the history.
    expect(end.runDir ?? null).toBeNull();
    await vi.waitFor(() => expect(existsSync(stopped.runDir!)).toBe(false)); // removed in the background
    const { runs } = ok<{ runs: RunView[] }>(await call('listRuns', {}));
    expect(runs.map((r) => r.id)).toContain(resumed.id);
    expect(runs.map((r) => r.id)).not.toContain(v.id);
    // The resumed run's model is the one kept for Try it and Export.
    expect(runs.find((r) => r.id === resumed.id)?.live).toBe(true);
  });

  it('refuses a finished run, an unknown one, and one stopped before any epoch completed', async () => {
    const { runs } = ok<{ runs: RunView[] }>(await call('listRuns', {}));
    const e = fail(await call('resumeTraining', { runId: runs[0].id }));
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(/a done run cannot be resumed/);
    expect(fail(await call('resumeTraining', { runId: 'nope' })).code).toBe('NOT_FOUND');

    const v = ok<RunView>(await call('startTraining', { datasetId, config }));
    ok(await call('stopTraining', { runId: v.id }));
    // Stopped while its features were computed: no epoch, so no checkpoint and nothing to resume.
    const stopped = await finished(v.id);
    expect(stopped.epochs).toHaveLength(0);
    expect(stopped.resumable).toBe(false);
    const refused = fail(await call('resumeTraining', { runId: v.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toMatch(/no checkpoint|cannot be resumed/);
  });
});
