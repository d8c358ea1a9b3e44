/**
 * Head epoch speed at scale, isolated from extraction:
 * `npx tsx bench/head-epoch.ts [rows] [epochs] [paths] [valRows]`.
 * Stores `rows` (+ `valRows`, default 0, validated at every epoch end as a run does) pooled 1280-d vectors (MobileNetV2-0.35's width, ReLU6-like values) in a fresh feature
 * store, then trains the default light head (GAP → Dense 100 → softmax over 5 classes) on them, in
 * memory and streamed from the store, on each training path in `paths` (default `fast,tfjs`: the
 * dense-stack trainer the pipeline uses for pooled heads, and the tfjs layers loop). Prints JSON: wall and CPU seconds per epoch (CPU time is less
 * skewed by other work on a shared machine), and where the time goes per batch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { initBackend } from '../src/main/engine/backend';
import { buildHead, reseedDropout } from '../src/main/engine/head/build';
import { recordKey } from '../src/main/engine/store/format';
import { FeatureStore } from '../src/main/engine/store/store';
import { encodeVector, MemoryTable, StoreTable, type FeatureTable } from '../src/main/engine/store/table';
import { hoistPooling } from '../src/main/engine/train/hoist';
import { trainLoop, type LoopOptions } from '../src/main/engine/train/loop';
import { denseStackOf } from '../src/main/engine/train/dense-stack';
import { fastHeadLoop } from '../src/main/engine/train/fast-head';
import { featureTrainSource, featureValSource } from '../src/main/engine/train/sources';
import { mixSeed, mulberry32 } from '@shared/random';
import type { FeatureItem, FeatureSet } from '../src/main/engine/extract/features';
import { tf } from '../src/main/engine/tf';

const rows = Number(process.argv[2] ?? 8000);
const epochs = Number(process.argv[3] ?? 3);
const paths = (process.argv[4] ?? 'fast,tfjs').split(',');
const valRows = Number(process.argv[5] ?? 0);
const total = rows + valRows;
const C = 1280;
const classes = 5;
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

const backend = await initBackend('auto');
const rand = mulberry32(7);
// Stored class by class, as a dataset's folders are: the worst case for reading in order.
const labels = Array.from({ length: total }, (_, i) =>
  i < rows ? Math.floor((i * classes) / rows) : (i - rows) % classes,
);
const vector = (i: number) =>
  Float32Array.from({ length: C }, (_, c) =>
    Math.max(0, Math.min(6, (c % classes === labels[i] ? 0.9 : 0.5) + rand() * 4 - 2)),
  );

const dir = await mkdtemp(path.join(os.tmpdir(), 'ts-head-epoch-'));
const store = new FeatureStore(dir);
const numbers = {
  base: 'synthetic',
  resize: 'stretch',
  preprocessing: 'tf',
  inputSize: [224, 224] as [number, number],
  form: 'avg' as const,
  precision: 'float16' as const,
};
const set = await store.open(
  numbers,
  { baseId: 'synthetic', baseName: 'synthetic', featureShape: [7, 7, C], vectorShape: [C] },
  C,
);
const mem = new MemoryTable(total, C, 'float16');
const disk = new StoreTable(set, total, C, 'float16');
for (let i = 0; i < total; i++) {
  const enc = encodeVector(vector(i), 'float16');
  const key = recordKey(`img${i}`, 'clean');
  mem.set(i, enc.dtype, enc.bytes);
  disk.set(i, (await set.put(key, enc.dtype, enc.bytes))!, key);
}
await set.close();

const items: FeatureItem[] = labels.map((classIndex, i) => ({
  file: {
    path: `/x/${i}`,
    rel: `${i}`,
    classIndex,
    split: i < rows ? 'train' : 'val',
    bytes: 1,
    width: 1,
    height: 1,
    format: 'jpeg',
  },
  hash: `h${i}`,
  views: [i],
}));

async function measure(table: FeatureTable, trainPath: string) {
  const spec = HeadSpec.parse(HEAD_PRESETS.light);
  const head = buildHead(spec, [7, 7, C], classes, 42);
  const fs: FeatureSet = {
    featureShape: [7, 7, C],
    form: 'avg',
    vectorShape: [C],
    vectorSize: C,
    table,
    items,
    computed: 0,
    cached: rows,
    corrupt: 0,
    problems: [],
  };
  const hoisted = hoistPooling(spec, head, fs);
  const train = featureTrainSource(table, items.slice(0, rows), [C], 42);
  const val = valRows ? featureValSource(table, items.slice(rows), [C], hoisted.model) : null;
  // The store's share alone: every batch of an epoch read and turned into a tensor, no training.
  const r0 = performance.now();
  const rc = process.cpuUsage();
  const order = train.shuffle(rows, 99);
  for (let s = 0; s < rows; s += 32) (await train.batch(order.slice(s, s + 32), 99)).dispose();
  const rcu = process.cpuUsage(rc);
  const readOnlyEpoch = {
    wallS: round((performance.now() - r0) / 1000),
    cpuS: round((rcu.user + rcu.system) / 1e6),
  };
  let readMs = 0;
  const timedTrain = {
    ...train,
    batch: async (idx: number[], e: number) => {
      const t = performance.now();
      const x = await train.batch(idx, e);
      readMs += performance.now() - t;
      return x;
    },
  };
  const epochWall: number[] = [];
  const epochCpu: number[] = [];
  let last: { loss: number; acc: number; valLoss?: number | null; valAcc?: number | null } | null = null;
  const epochEndMs: number[] = [];
  let lastBatch = 0;
  let step = 0;
  let t = performance.now();
  let c = process.cpuUsage();
  const common: Omit<LoopOptions, 'forward' | 'variables' | 'snapshotWeights' | 'train'> = {
    jobId: 'bench',
    phase: 'head',
    val,
    config: { optimizer: 'adam', momentum: 0.9, batchSize: 32, earlyStopping: null },
    learningRate: 1e-3,
    epochs,
    epochOffset: 0,
    classWeights: null,
    shuffle: train.shuffle,
    onEvent: (e) => {
      if (e.type === 'batch' && e.batch === e.batches) lastBatch = performance.now();
      if (e.type !== 'epoch') return;
      // After the last batch: the validation pass (and the epoch-end bookkeeping).
      epochEndMs.push(performance.now() - lastBatch);
      last = { loss: round(e.loss, 4), acc: round(e.acc, 4), valLoss: e.valLoss, valAcc: e.valAcc };
      const cu = process.cpuUsage(c);
      epochWall.push((performance.now() - t) / 1000);
      epochCpu.push((cu.user + cu.system) / 1e6);
      t = performance.now();
      c = process.cpuUsage();
    },
  };
  if (trainPath === 'fast') {
    const dense = denseStackOf(hoisted.logits);
    if (!('stack' in dense)) throw new Error(dense.reason);
    const rowsTimed = async (idx: number[], e: number, buf?: Float32Array) => {
      const t0 = performance.now();
      const x = await train.rows(idx, e, buf);
      readMs += performance.now() - t0;
      return x;
    };
    await fastHeadLoop({
      ...common,
      stack: dense.stack,
      stepSeed: () => mixSeed(42, ++step),
      train: { ...train, rows: rowsTimed },
    });
  } else
    await trainLoop({
      ...common,
      forward: (x) => {
        reseedDropout(head.layers, mixSeed(42, ++step));
        return hoisted.logits.apply(x, { training: true }) as tf.Tensor2D;
      },
      variables: head.model.trainableWeights.map((w) => w.read() as tf.Variable),
      snapshotWeights: head.model.weights,
      train: timedTrain,
    });
  head.model.dispose();
  return {
    path: trainPath,
    mode: table.mode,
    lastEpoch: last,
    readOnlyEpoch,
    epochWallS: epochWall.map((v) => round(v)),
    epochCpuS: epochCpu.map((v) => round(v)),
    batchReadMsPerEpoch: round(readMs / epochs, 1),
    epochEndMs: epochEndMs.map((v) => round(v, 1)),
  };
}

const out = {
  bench: 'head-epoch',
  rows,
  valRows,
  epochs,
  backend: backend.name,
  loadAvg: os.loadavg().map((v) => round(v, 2)),
  runs: [] as unknown[],
};
for (const p of paths) out.runs.push(await measure(mem, p), await measure(disk, p));
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
await rm(dir, { recursive: true, force: true });
