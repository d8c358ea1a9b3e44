/**
 * A real training run on the generated bad-input dataset: every broken file is reported once (by the
 * scan, or by the decoder when only a full decode notices), and every good file is trained on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetProblem } from '@shared/dataset';
import type { EngineEvent } from '@shared/engine-events';
import type { TrainRun } from '../../src/main/engine/pipeline/run';
import { makeBadDataset, type BadDataset } from '../helpers/bad-dataset';
import { trainOn } from '../helpers/train';

const MODELS = path.resolve(import.meta.dirname, '../../../shared/models');

describe('training on a folder full of bad input', () => {
  let dir: string;
  let ds: BadDataset;
  let run: TrainRun;
  const events: EngineEvent[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ts-bad-train-'));
    ds = await makeBadDataset(dir);
    run = await trainOn({
      dataDir: ds.root,
      config: { base: 'mobilenet_v1_0.25_224', epochs: 2, batchSize: 8, seed: 42 },
      mirrorDir: MODELS,
      cacheDir: path.join(dir, 'cache'),
      engines: 1,
      onEvent: (e) => events.push(e),
    });
  });
  afterAll(async () => {
    run?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('completes and evaluates', () => {
    expect(run.stopped).toBe(false);
    expect(run.history).toHaveLength(2);
    expect(run.evaluation.val).not.toBeNull();
    expect(run.accuracy).toBeGreaterThanOrEqual(0);
    expect(run.accuracy).toBeLessThanOrEqual(1);
  });

  it('lists every bad file exactly once, at the right stage, with its reason', () => {
    const rels = run.problems.map((p) => p.rel);
    expect([...rels].sort()).toEqual(ds.expectedProblems.map((p) => p.rel).sort());
    expect(new Set(rels).size).toBe(rels.length);
    for (const exp of ds.expectedProblems) {
      const got = run.problems.find((p) => p.rel === exp.rel)!;
      expect(got.stage, exp.rel).toBe(exp.stage);
      expect(got.reason, exp.rel).toMatch(exp.reasonMatch);
    }
  });

  it('emits each problem as an event, once', () => {
    const emitted = events.flatMap((e) => (e.type === 'problem' ? [e.problem] : [])) as DatasetProblem[];
    expect(emitted.map((p) => p.rel).sort()).toEqual(run.problems.map((p) => p.rel).sort());
  });

  it('trains on every good file: one base forward pass each, nothing else', () => {
    expect(run.features.views).toBe(1);
    expect(run.features.cached).toBe(0);
    expect(run.features.computed).toBe(ds.goodFiles.length);
    // Train + val evaluated/trained files are exactly the good ones.
    const val = run.evaluation.val!;
    const trainSeen = run.scan.files.filter(
      (f) => f.split === 'train' && ds.goodFiles.includes(f.rel),
    ).length;
    expect(val.count + trainSeen).toBe(ds.goodFiles.length);
  });

  it('leaves the empty class folder out of the model (reported, not a dead output)', () => {
    expect(run.scan.emptyClasses).toEqual(ds.emptyClasses);
    expect(run.classes).toEqual(ds.classes.filter((c) => !ds.emptyClasses.includes(c)));
    expect(run.evaluation.val!.confusion).toHaveLength(run.classes.length);
    for (const f of run.scan.files) expect(run.classes[f.classIndex]).toBe(f.rel.split('/')[0]);
  });
});
