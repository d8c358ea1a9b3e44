import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '@shared/engine-events';
import type { EventName, EventPayload } from '@shared/ipc/contract';
import { taskbarProgress } from '../../src/main/core/progress';
import { batchThrottle } from '../../src/main/engine-host/throttle';

type Batch = Extract<EngineEvent, { type: 'batch' }>;
const batch = (epoch: number, b: number, loss: number, acc = 0.5): Batch => ({
  type: 'batch',
  jobId: 'j',
  phase: 'head',
  epoch,
  batch: b,
  batches: 100,
  loss,
  acc,
  lr: 1e-3,
  imagesPerSec: 100,
  elapsedMs: 0,
  etaMs: 0,
});

describe('batchThrottle', () => {
  it('reports at most once per interval, averaging the batches in between', () => {
    let now = 0;
    const out: Batch[] = [];
    const t = batchThrottle(
      100,
      (e) => out.push(e),
      () => now,
    );
    // 1000 batches, one every 5 ms = 5 s of training.
    for (let i = 0; i < 1000; i++) {
      now = i * 5;
      t.push(batch(1 + Math.floor(i / 100), (i % 100) + 1, i % 2 ? 1 : 3));
    }
    expect(out.length).toBeLessThanOrEqual(51);
    expect(out.length).toBeGreaterThanOrEqual(45);
    // Alternating 1 and 3: a report averages ~20 batches, so it sits near 2 — except the one right after
    // each of the 10 epoch starts, which may hold a single batch (averages never span epochs).
    const nearMean = out.filter((e) => e.loss > 1.5 && e.loss < 2.5).length;
    expect(out.length - nearMean).toBeLessThanOrEqual(10);
    // Spaced ≥ 100 ms apart in engine time: ≤ 10 per second.
    const times = out.map((e) => (e.epoch - 1) * 500 + (e.batch - 1) * 5);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(100);
  });

  it('never mixes epochs in one average; at an epoch end it reports only if due', () => {
    let now = 0;
    const out: Batch[] = [];
    const t = batchThrottle(
      100,
      (e) => out.push(e),
      () => now,
    );
    t.push(batch(1, 1, 10)); // first report goes at once
    now = 50;
    t.push(batch(1, 2, 20));
    t.epochEnd(); // not due: dropped (the epoch event covers it)
    now = 60;
    t.push(batch(2, 1, 4));
    now = 200;
    t.push(batch(2, 2, 6));
    expect(out.map((e) => [e.epoch, e.batch, e.loss])).toEqual([
      [1, 1, 10],
      [2, 2, 5],
    ]);
  });
});

describe('taskbarProgress', () => {
  it('follows a training job: extraction first, then epochs; clears at the end', () => {
    const seen: (number | null)[] = [];
    const sink = taskbarProgress((f) => seen.push(f));
    const emit = <E extends EventName>(e: E, p: EventPayload<E>) => sink(e, p);
    emit('jobState', { jobId: 'r', kind: 'train', label: 'Training', state: 'running' });
    emit('runUpdate', {
      id: 'r',
      config: { epochs: 4, fineTune: null },
    } as unknown as EventPayload<'runUpdate'>);
    emit('jobProgress', { jobId: 'r', kind: 'train', stage: 'extract', done: 50, total: 100 });
    emit('jobBatch', { ...batch(2, 50, 1), jobId: 'r' });
    emit('jobEpoch', { jobId: 'r', epoch: 4 } as EventPayload<'jobEpoch'>);
    emit('jobState', { jobId: 'r', kind: 'train', label: 'Training', state: 'done' });
    expect(seen[0]).toBe(0);
    expect(seen[1]).toBeCloseTo(0.125);
    expect(seen[2]).toBeCloseTo(0.25 + 0.75 * (1.5 / 4));
    expect(seen[3]).toBe(1);
    expect(seen.at(-1)).toBeNull();
  });

  it('ignores short jobs', () => {
    const seen: (number | null)[] = [];
    const sink = taskbarProgress((f) => seen.push(f));
    sink('jobState', { jobId: 'p', kind: 'augmentPreview', label: 'x', state: 'running' });
    sink('jobProgress', { jobId: 'p', kind: 'augmentPreview', stage: 'scan', done: 1, total: 2 });
    expect(seen).toEqual([]);
  });
});
