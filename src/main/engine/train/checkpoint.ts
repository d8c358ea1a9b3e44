/**
 * Epoch-end checkpoints of a training run: one file holding a verified JSON header and every tensor a
 * resume needs (current and best-so-far weights, optimizer slots), written atomically; the previous
 * checkpoint is kept beside it so a damaged newest file still leaves a good one.
 */
import { createHash, type Hash } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EpochMetrics, Phase } from '@shared/engine-events';
import { CodedError, type ErrorCode } from '@shared/errors';
import { writeFileAtomic } from '../../util/write-atomic';
import { tf } from '../tf';

import { CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE } from './checkpoint-files';

export { CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE };
const MAGIC = 'TSCKPT1\n';

/** A run folder that cannot be resumed (damaged, another run's, other data): one line saying why. */
export class CheckpointError extends CodedError {
  override name = 'CheckpointError';
  constructor(message: string, code: ErrorCode = 'BAD_REQUEST') {
    super(code, message);
  }
}

const TensorSpec = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.enum(['float32', 'int32']),
});
type TensorSpec = z.infer<typeof TensorSpec>;

export const CheckpointHeader = z.object({
  version: z.literal(1),
  jobId: z.string(),
  /** Phase the checkpoint was taken in, and epochs of it completed. */
  phase: Phase,
  epochs: z.number().int().min(1),
  /** Dropout steps taken so far (step s seeds its masks with mixSeed(seed, s)). */
  step: z.number().int().min(0),
  /** The whole run's epochs so far, every phase. */
  history: z.array(EpochMetrics),
  /** How the head phase ended (set once the fine-tune phase has begun). */
  headEarlyStopped: z.boolean(),
  sinceBest: z.number().int().min(0),
  best: z.object({ epoch: z.number().int(), valLoss: z.number() }).nullable(),
  /** Identifies the training data (files and content): a resume on other data is refused. */
  dataDigest: z.string(),
  weights: z.array(TensorSpec),
  bestWeights: z.array(TensorSpec).nullable(),
  optimizer: z.array(TensorSpec),
  /** Optimizer state outside its weights (see optimizer-state.ts), float32 values held exactly. */
  optimizerScalars: z.record(z.string(), z.number()),
  /** sha256 of the payload. */
  payloadSha256: z.string().length(64),
});
export type CheckpointHeader = z.infer<typeof CheckpointHeader>;

export interface Checkpoint extends Omit<
  CheckpointHeader,
  'weights' | 'bestWeights' | 'optimizer' | 'payloadSha256'
> {
  /** Values of the phase's snapshot weights, in order, named by their variables' original names. */
  weights: { name: string; tensor: tf.Tensor }[];
  bestWeights: { name: string; tensor: tf.Tensor }[] | null;
  /** `tf.Optimizer.getWeights()` order: iterations first, then slot variables. */
  optimizer: { name: string; tensor: tf.Tensor }[];
}

/** A tensor's bytes as they are (no copy beyond the backend's own read); yields between tensors. */
async function bytesOf(list: { name: string; tensor: tf.Tensor }[], hash: Hash) {
  const specs: TensorSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const { name, tensor } of list) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32')
      throw new CheckpointError(`cannot checkpoint ${name}: dtype ${tensor.dtype}`);
    specs.push({ name, shape: [...tensor.shape], dtype: tensor.dtype });
    const data = (await tensor.data()) as Float32Array | Int32Array;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    hash.update(bytes);
    chunks.push(bytes);
    // A big head's tensors take tens of ms each to read: let a Stop or a batch in between.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { specs, chunks };
}

/**
 * [magic][u32 header length][header JSON][payload]: every tensor's bytes in header order, as the list
 * of parts to write (the payload is not concatenated: a big head's checkpoint is tens of MB).
 * Tensor values are read here; nothing is disposed.
 */
async function encodeCheckpointParts(c: Checkpoint): Promise<Uint8Array[]> {
  const hash = createHash('sha256');
  const w = await bytesOf(c.weights, hash);
  const b = c.bestWeights ? await bytesOf(c.bestWeights, hash) : null;
  const o = await bytesOf(c.optimizer, hash);
  const header: CheckpointHeader = {
    ...c,
    weights: w.specs,
    bestWeights: b?.specs ?? null,
    optimizer: o.specs,
    payloadSha256: hash.digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return [Buffer.from(MAGIC), len, json, ...w.chunks, ...(b?.chunks ?? []), ...o.chunks];
}

/** Parse and verify (magic, schema, sizes, checksum); throws CheckpointError saying what is wrong. */
export function decodeCheckpoint(buf: Buffer): Checkpoint {
  if (buf.length < MAGIC.length + 4 || buf.subarray(0, MAGIC.length).toString() !== MAGIC)
    throw new CheckpointError('not a Transfer Studio checkpoint');
  const jsonLen = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + jsonLen;
  if (start > buf.length) throw new CheckpointError('checkpoint is truncated');
  let header: CheckpointHeader;
  try {
    header = CheckpointHeader.parse(JSON.parse(buf.subarray(MAGIC.length + 4, start).toString()));
  } catch (e) {
    throw new CheckpointError(`checkpoint header is unreadable: ${(e as Error).message.split('\n')[0]}`);
  }
  const payload = buf.subarray(start);
  if (createHash('sha256').update(payload).digest('hex') !== header.payloadSha256)
    throw new CheckpointError('checkpoint is corrupt (checksum mismatch)');
  let offset = 0;
  const take = (specs: TensorSpec[]) =>
    specs.map((s) => {
      const n = s.shape.reduce((a, d) => a * d, 1);
      if (offset + n * 4 > payload.length) throw new CheckpointError('checkpoint is truncated');
      const bytes = new Uint8Array(n * 4);
      bytes.set(payload.subarray(offset, offset + n * 4));
      offset += n * 4;
      const values = s.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
      return { name: s.name, tensor: tf.tensor(values, s.shape, s.dtype) };
    });
  const weights = take(header.weights);
  const bestWeights = header.bestWeights ? take(header.bestWeights) : null;
  const optimizer = take(header.optimizer);
  if (offset !== payload.length) throw new CheckpointError('checkpoint has trailing bytes');
  return { ...header, weights, bestWeights, optimizer };
}

/**
 * Write `<dir>/checkpoint.bin` atomically, keeping the one it replaces as checkpoint.prev.bin. The
 * tensors must stay as they are until it resolves (`snapshotCheckpoint` makes such a copy).
 */
export async function saveCheckpoint(dir: string, c: Checkpoint): Promise<void> {
  const parts = await encodeCheckpointParts(c);
  const current = path.join(dir, CHECKPOINT_FILE);
  const staged = path.join(dir, `${CHECKPOINT_FILE}.next`);
  await writeFileAtomic(staged, parts);
  await rename(current, path.join(dir, PREVIOUS_CHECKPOINT_FILE)).catch(() => undefined);
  await rename(staged, current);
}

/**
 * The newest intact checkpoint in `dir`: checkpoint.bin, else (damaged or missing after a crash between
 * the two renames) checkpoint.prev.bin. Null when there is none; throws when every one is damaged.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint | null> {
  let firstError: CheckpointError | null = null;
  for (const name of [CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE]) {
    const buf = await readFile(path.join(dir, name)).catch(() => null);
    if (!buf) continue;
    try {
      return decodeCheckpoint(buf);
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      firstError ??= new CheckpointError(`${path.join(dir, name)}: ${e.message}`);
    }
  }
  if (firstError) throw firstError;
  return null;
}

/**
 * The checkpoint with its own copy of every tensor, so training can go on (optimizer steps reassign
 * the variables) while the copy is written. Clones share data where the backend allows it.
 */
export function snapshotCheckpoint(c: Checkpoint): Checkpoint {
  const copy = (list: { name: string; tensor: tf.Tensor }[]) =>
    list.map(({ name, tensor }) => ({ name, tensor: tf.keep(tf.clone(tensor)) }));
  return {
    ...c,
    weights: copy(c.weights),
    bestWeights: c.bestWeights && copy(c.bestWeights),
    optimizer: copy(c.optimizer),
  };
}

export function disposeCheckpoint(c: Checkpoint): void {
  tf.dispose([
    ...c.weights.map((w) => w.tensor),
    ...(c.bestWeights ?? []).map((w) => w.tensor),
    ...c.optimizer.map((w) => w.tensor),
  ]);
}

export async function removeCheckpoints(dir: string): Promise<void> {
  await Promise.all(
    [CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE].map((n) => rm(path.join(dir, n), { force: true })),
  );
}
