import type { AugmentSpec } from '@shared/augment';
import type { ResizeMode } from '@shared/train';
import { augment } from '../augment/augment';
import { decodeImage } from '../image/decode';
import type { Preprocessing } from '@shared/preprocessing';
import { preprocessInto } from '../image/preprocess';
import type { RgbImage } from '../image/rgb';
import { tf } from '../tf';
import type { CompiledBase } from './compiled-base';

export interface ExtractItem {
  /** File bytes (decoded here, so the caller hashes exactly what we decode). */
  bytes: Uint8Array;
  /** null = the clean view. */
  augment: AugmentSpec | null;
  seed: number;
  /** Told the decoded image (before augmentation) when it is decoded on this thread: once per file and batch. */
  onDecoded?: (img: RgbImage) => void;
}

export interface PixelOptions {
  inputSize: [number, number];
  resize: ResizeMode;
  preprocessing: Preprocessing;
}

export interface PreparedBatch<T extends Float32Array | Uint8Array = Float32Array> {
  /** [n, h, w, 3] pixels of the items that decoded: preprocessed floats, or raw RGB bytes. */
  input: T;
  /** Per item: null on success, else why it could not be decoded. */
  errors: (string | null)[];
  okCount: number;
}

/**
 * Batch inputs handed back by `releaseBatch`, reused by the next batch of the same kind and size: a fresh
 * 19 MB Float32Array per batch (32 × 224² × 3) cost more CPU in page faults and zeroing than filling it.
 */
const spare: (Float32Array | Uint8Array)[] = [];
const MAX_SPARE = 4;

function takeInput<T extends Float32Array | Uint8Array>(
  kind: { new (length: number): T },
  length: number,
): T {
  const i = spare.findIndex((b) => b instanceof kind && b.length === length);
  return i >= 0 ? (spare.splice(i, 1)[0] as T) : new kind(length);
}

/** The batch's input is no longer read by anyone (its forward pass finished): reuse its memory. */
export function releaseBatch(batch: PreparedBatch<Float32Array | Uint8Array>): void {
  if (batch.input.length > 0 && spare.length < MAX_SPARE && !spare.includes(batch.input))
    spare.push(batch.input);
}

/** Decode (sharp, off-thread) and augment a batch: per item, its image or why it could not be decoded. */
async function decodeBatch(items: ExtractItem[], opts: PixelOptions): Promise<(RgbImage | string)[]> {
  const [h, w] = opts.inputSize;
  // Augmented views of one file sit side by side in a batch: decode each file once, augment each view.
  const decodes = new Map<Uint8Array, Promise<RgbImage>>();
  const told = new Set<Uint8Array>();
  const decodeOnce = (bytes: Uint8Array) => {
    let d = decodes.get(bytes);
    if (!d) {
      d = decodeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), w, h, opts.resize);
      decodes.set(bytes, d);
    }
    return d;
  };
  return Promise.all(
    items.map((it) =>
      decodeOnce(it.bytes).then(
        (img) => {
          if (it.onDecoded && !told.has(it.bytes)) {
            told.add(it.bytes); // once per decoded file, not once per view
            it.onDecoded(img);
          }
          return it.augment ? augment(img, it.augment, it.seed) : img;
        },
        (e: Error) => e.message,
      ),
    ),
  );
}

function batchOf<T extends Float32Array | Uint8Array>(
  decoded: (RgbImage | string)[],
  opts: PixelOptions,
  kind: { new (length: number): T },
  fill: (img: RgbImage, out: T, offset: number) => void,
): PreparedBatch<T> {
  const [h, w] = opts.inputSize;
  const errors = decoded.map((d) => (typeof d === 'string' ? d : null));
  const good = decoded.filter((d) => typeof d !== 'string');
  const per = h * w * 3;
  const input = takeInput(kind, good.length * per);
  good.forEach((img, i) => fill(img, input, i * per));
  return { input, errors, okCount: good.length };
}

/** Decode, augment and preprocess a batch into one float buffer (what a tfjs base reads). */
export async function prepareBatch(items: ExtractItem[], opts: PixelOptions): Promise<PreparedBatch> {
  return batchOf(await decodeBatch(items, opts), opts, Float32Array, (img, out, at) =>
    preprocessInto(img, opts.preprocessing, out, at),
  );
}

/**
 * Decode and augment a batch into one buffer of raw RGB bytes, for a graph that preprocesses its input
 * itself (the ONNX Runtime base): a copy per image instead of 150k table look-ups on the JS thread.
 */
export async function preparePixelBatch(
  items: ExtractItem[],
  opts: PixelOptions,
): Promise<PreparedBatch<Uint8Array>> {
  return batchOf(await decodeBatch(items, opts), opts, Uint8Array, (img, out, at) => out.set(img.data, at));
}

/** One forward pass of the base on a prepared batch. Returns [n, ...featureShape] flattened. */
export function runBase(model: CompiledBase, batch: PreparedBatch, opts: PixelOptions): Float32Array {
  if (batch.okCount === 0) return new Float32Array(0);
  const [h, w] = opts.inputSize;
  // No tf.tidy here: inside a tidy scope the graph executor cannot free intermediates as it goes,
  // the wasm heap balloons and a batch takes twice as long. Dispose explicitly instead.
  const x = tf.tensor4d(batch.input, [batch.okCount, h, w, 3]);
  try {
    const y = model.predict(x);
    try {
      return y.dataSync() as Float32Array;
    } finally {
      y.dispose();
    }
  } finally {
    x.dispose();
  }
}
