import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import {
  CHECKPOINT_FILE,
  CheckpointError,
  loadCheckpoint,
  PREVIOUS_CHECKPOINT_FILE,
  saveCheckpoint,
  type Checkpoint,
} from './checkpoint';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ts-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const checkpoint = (epochs: number): Checkpoint => ({
  version: 1,
  jobId: 'job',
  phase: 'head',
  epochs,
  step: epochs * 8,
  history: [],
  headEarlyStopped: false,
  sinceBest: 1,
  best: { epoch: epochs - 1, valLoss: 0.25 },
  dataDigest: 'd',
  weights: [{ name: 'head_1_dense/kernel', tensor: tf.tensor2d([[1, 2, 3]]) }],
  bestWeights: [{ name: 'head_1_dense/kernel', tensor: tf.tensor2d([[4, 5, 6]]) }],
  optimizer: [{ name: 'iter', tensor: tf.scalar(epochs * 8, 'int32') }],
  optimizerScalars: { accBeta1: 0.9 ** (epochs * 8 + 1) },
});

describe('epoch checkpoints', () => {
  it('round-trip every tensor and field', async () => {
    await saveCheckpoint(dir, checkpoint(2));
    const c = (await loadCheckpoint(dir))!;
    expect(c.epochs).toBe(2);
    expect(c.step).toBe(16);
    expect(Array.from(c.weights[0].tensor.dataSync())).toEqual([1, 2, 3]);
    expect(c.weights[0].tensor.shape).toEqual([1, 3]);
    expect(Array.from(c.bestWeights![0].tensor.dataSync())).toEqual([4, 5, 6]);
    expect(c.optimizer[0].tensor.dtype).toBe('int32');
    expect(c.optimizerScalars.accBeta1).toBe(0.9 ** 17);
  });

  it('a damaged newest checkpoint falls back to the previous one; all damaged is a clear error', async () => {
    await saveCheckpoint(dir, checkpoint(3));
    const file = path.join(dir, CHECKPOINT_FILE);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(file, bytes);
    expect((await loadCheckpoint(dir))!.epochs).toBe(2);
    writeFileSync(path.join(dir, PREVIOUS_CHECKPOINT_FILE), bytes.subarray(0, 20));
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/checksum/);
  });

  it('no checkpoint yet is null, not an error', async () => {
    expect(await loadCheckpoint(path.join(dir, 'empty'))).toBeNull();
  });
});
