/**
 * The head trained on pooled vectors without tfjs' per-op overhead. A pooled head (GAP → Dense … →
 * logits) is two small matrix products per batch; through tfjs layers, autodiff and optimizers that is
 * ~150 backend ops whose dispatch dominates (an epoch over 8k vectors took ~2 s of CPU). Here the
 * forward, backward and optimizer run on plain arrays (dense-stack.ts, dense-math.ts), only the large
 * products go to the backend, and the weights are written back into the head's tfjs layers at every
 * epoch end, so validation, checkpoints, evaluation and export see them exactly as with trainLoop.
 *
 * Same contract as trainLoop (train/loop.ts): the same events, history, early stopping, "restore best",
 * stop within one batch, the same initial weights and the same dropout masks per step.
 */
import type { EpochMetrics } from '@shared/engine-events';
import { tf } from '../tf';
import { OPTIMIZERS, softmaxCrossEntropy, type ParamOptimizer } from './dense-math';
import {
  backward,
  forward,
  regularization,
  Workspace,
  writeStack,
  type DenseLayer,
  type StackLayer,
} from './dense-stack';
import { evaluateLoss, stopAsked, type LoopOptions, type LoopResult } from './loop';
import {
  fromTfWeights,
  toTfOptimizer,
  type FastEpochEnd,
  type FastResume,
  type OptimizerArrays,
} from './fast-head-state';
import { BestWeights } from './best-weights';
import { EpochReport } from './epoch-report';
import { evaluateStack, hasRows } from './fast-eval';
import { SimdArena, simdSupported } from './dense-simd';

export interface FastHeadOptions extends Omit<
  LoopOptions,
  'forward' | 'regularization' | 'variables' | 'snapshotWeights' | 'train'
> {
  /** The head after pooling as a dense stack (denseStackOf); its arrays are trained in place. */
  stack: StackLayer[];
  train: {
    size: number;
    labels: Int32Array;
    /** Pooled vectors of these samples for this epoch, [n × inputs] (into `out` when given). */
    rows(indices: number[], epoch: number, out?: Float32Array): Promise<Float32Array>;
  };
  /** Seed of each step's dropout masks (called once per training step). */
  stepSeed: () => number;
  /** Continue this phase from a checkpoint instead of from its first epoch (as trainLoop's). */
  resume?: FastResume;
  /** After every completed epoch (its event sent, before an early stop ends the phase); awaited. */
  onEpochEnd?: (s: FastEpochEnd) => Promise<void> | void;
}

const weightArrays = (stack: StackLayer[]) =>
  stack.flatMap((s) => (s.kind === 'dense' ? [s.kernel, ...(s.bias ? [s.bias] : [])] : []));

/**
 * Copies of the stack's weights for "restore best", recycled: the snapshot a new best replaces is the
 * next one's storage (a fresh 0.5 MB copy per improving epoch cost page faults and garbage collection).
 */
function snapshots(stack: StackLayer[], alloc: (n: number) => Float32Array) {
  const spare: Float32Array[][] = [];
  return {
    take(): Float32Array[] {
      const from = weightArrays(stack);
      const into = spare.pop() ?? from.map((a) => alloc(a.length));
      from.forEach((a, i) => into[i].set(a));
      return into;
    },
    release: (saved: Float32Array[]) => void spare.push(saved),
  };
}

function restore(stack: StackLayer[], saved: Float32Array[]) {
  let i = 0;
  for (const s of stack) {
    if (s.kind !== 'dense') continue;
    s.kernel.set(saved[i++]);
    if (s.bias) s.bias.set(saved[i++]);
  }
}

/**
 * Bytes a phase's arrays take in a SIMD arena: weights, two optimizer slots, a best-weights copy, the
 * workspace (Workspace's buffers) and the batch, each rounded up to 16 bytes. An underestimate only
 * sends the rest to the heap (correct, without the SIMD kernels).
 */
function arenaBytes(stack: StackLayer[], inputs: number, rows: number): number {
  let floats = rows * inputs;
  let width = inputs;
  for (const s of stack) {
    if (s.kind === 'dense') {
      const params = s.inputs * s.units + s.units;
      floats += 4 * params + 4 * rows * s.units + 2 * rows * width + 2 * s.inputs * s.units + s.units;
      width = s.units;
    } else floats += 3 * rows * width;
  }
  return floats * 4 + 16 * (12 * stack.length + 8);
}

function copyInto(arena: SimdArena, a: Float32Array): Float32Array {
  const v = arena.allocOrHeap(a.length);
  v.set(a);
  return v;
}

/**
 * Moves the stack's weights into a SIMD arena for the phase (wasm SIMD products and updates in place);
 * the returned function copies them back into the stack's own arrays and frees the arena.
 */
function intoArena(stack: StackLayer[], arena: SimdArena): () => void {
  const own = stack.map((s) => (s.kind === 'dense' ? { kernel: s.kernel, bias: s.bias } : null));
  for (const s of stack) {
    if (s.kind !== 'dense') continue;
    s.kernel = copyInto(arena, s.kernel);
    if (s.bias) s.bias = copyInto(arena, s.bias);
  }
  return () => {
    stack.forEach((s, i) => {
      const o = own[i];
      if (s.kind !== 'dense' || !o) return;
      o.kernel.set(s.kernel);
      if (o.bias && s.bias) o.bias.set(s.bias);
      s.kernel = o.kernel;
      s.bias = o.bias;
    });
    arena.release();
  };
}

export async function fastHeadLoop(o: FastHeadOptions): Promise<LoopResult> {
  const dense = o.stack.filter((s) => s.kind === 'dense');
  const classes = dense[dense.length - 1].units;
  const bs = o.config.batchSize;
  const inputs = dense[0].inputs;
  const arena = simdSupported() ? SimdArena.acquire(arenaBytes(o.stack, inputs, bs)) : null;
  const alloc = arena ? (n: number) => arena.allocOrHeap(n) : (n: number) => new Float32Array(n);
  const leaveArena = arena ? intoArena(o.stack, arena) : null;
  try {
    return await train(o, dense, classes, alloc);
  } finally {
    leaveArena?.();
    // Whatever the outcome, the tfjs head holds the weights the loop ends with.
    writeStack(o.stack);
  }
}

async function train(
  o: FastHeadOptions,
  dense: DenseLayer[],
  classes: number,
  alloc: (n: number) => Float32Array,
): Promise<LoopResult> {
  const opt = OPTIMIZERS[o.config.optimizer].create(
    o.learningRate,
    o.config.momentum,
    tf.backend().epsilon(),
    alloc,
  );
  const params: { w: Float32Array; opt: ParamOptimizer }[][] = dense.map((s) => [
    { w: s.kernel, opt: opt.param(s.kernel.length) },
    ...(s.bias ? [{ w: s.bias, opt: opt.param(s.bias.length) }] : []),
  ]);
  const state: OptimizerArrays = {
    name: o.config.optimizer,
    state: params.flat().map((p) => p.opt.state),
    scalars: opt.scalars,
    iterations: 0,
  };
  // The head's weights in the order trainLoop snapshots them (each Dense layer's kernel, then bias).
  const weights = dense.flatMap((s) => s.layer.weights);
  const history: EpochMetrics[] = [...(o.resume?.history ?? [])];
  const bs = o.config.batchSize;
  const inputs = dense[0].inputs;
  const batches = Math.ceil(o.train.size / bs);
  const resumed = o.resume?.best;
  const saved = snapshots(o.stack, alloc);
  const tracker = new BestWeights<Float32Array[]>(
    o.config,
    {
      best: resumed
        ? { ...resumed, weights: resumed.weights.map((t) => Float32Array.from(t.dataSync())) }
        : null,
      sinceBest: o.resume?.sinceBest ?? 0,
    },
    saved.release,
  );
  if (resumed) tf.dispose(resumed.weights);
  if (o.resume?.optimizer) await fromTfWeights(state, o.resume.optimizer, o.resume.optimizerScalars);
  let stopped = false;
  // A checkpoint taken at the epoch that triggered early stopping resumes straight to the end.
  let earlyStopped = tracker.exhausted;
  const firstEpoch = (o.resume?.epochs ?? 0) + 1;
  const report = new EpochReport({ ...o, firstEpoch, trainSize: o.train.size, batches, history });
  const dLogits = new Float32Array(bs * classes);
  const ws = new Workspace(o.stack, inputs, bs, alloc);
  const xBuf = alloc(bs * inputs);
  const labels = new Int32Array(bs);

  for (let epoch = firstEpoch; epoch <= o.epochs && !stopped && !earlyStopped; epoch++) {
    const order = o.shuffle(o.train.size, epoch + o.epochOffset);
    report.begin(epoch);
    for (let b = 0; b < batches; b++) {
      if (await stopAsked(o.signal)) {
        stopped = true;
        break;
      }
      const idx = order.slice(b * bs, (b + 1) * bs);
      const n = idx.length;
      let x = await o.train.rows(idx, epoch + o.epochOffset, xBuf);
      // A source that returned its own array: into the arena's batch buffer, where the products run.
      if (x.buffer !== xBuf.buffer) {
        xBuf.set(x);
        x = xBuf.subarray(0, x.length);
      }
      const y = labels.subarray(0, n);
      for (let i = 0; i < n; i++) y[i] = o.train.labels[idx[i]];
      const { logits, traces } = forward(o.stack, ws, x, n, o.stepSeed());
      const grad = dLogits.subarray(0, n * classes);
      const ce = softmaxCrossEntropy(logits, y, classes, o.classWeights, grad);
      // The reported loss includes the regularisation, as trainLoop's (the weights before this step).
      const loss = ce.loss + regularization(o.stack);
      const grads = backward(o.stack, ws, traces, grad, n);
      grads.forEach((g, li) => {
        params[li][0].opt.step(params[li][0].w, g.kernel);
        if (g.bias) params[li][1].opt.step(params[li][1].w, g.bias);
      });
      opt.endStep();
      state.iterations++;
      report.batch(b, n, loss, ce.correct);
    }
    if (stopped || report.count === 0) break;
    // Validation (and anything reading the head at an epoch's end) sees this epoch's weights.
    writeStack(o.stack);
    const val =
      o.val && o.val.size > 0
        ? hasRows(o.val)
          ? await evaluateStack(o.val, o.stack, ws, xBuf, bs, classes)
          : await evaluateLoss(o.val, Math.max(bs, 64))
        : null;
    report.end(val, (e, loss) => tracker.observe(e, loss, saved.take));
    if (o.onEpochEnd) await epochEnd(o, epoch, history, tracker, state, weights);
    if (tracker.exhausted) {
      earlyStopped = true;
      break;
    }
  }
  const best = tracker.toRestore(stopped, earlyStopped);
  if (best) restore(o.stack, best);
  return { history, stopped, earlyStopped };
}

/** The epoch-end hook with trainLoop's arguments: tensors made for the call and disposed after it. */
async function epochEnd(
  o: FastHeadOptions,
  epoch: number,
  history: EpochMetrics[],
  { best, sinceBest }: BestWeights<Float32Array[]>,
  state: OptimizerArrays,
  weights: tf.LayerVariable[],
): Promise<void> {
  const optimizer = await toTfOptimizer(state, weights, o.learningRate, o.config.momentum);
  const bestWeights = best?.weights.map((w, i) => tf.tensor(w, weights[i].shape as number[])) ?? [];
  try {
    await o.onEpochEnd!({
      phase: o.phase,
      epochs: epoch,
      history,
      best: best && { epoch: best.epoch, valLoss: best.valLoss, weights: bestWeights },
      sinceBest,
      optimizer,
      weights,
    });
  } finally {
    tf.dispose(bestWeights);
    optimizer.dispose();
  }
}
