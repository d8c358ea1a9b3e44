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
  /** Told the decoded image (before augmentation) when it is decoded on this thread. */
  onDecoded?: (img: RgbImage) => void;
}

export interface PixelOptions {
  inputSize: [number, number];
  resize: ResizeMode;
  preprocessing: Preprocessing;
}

export interface PreparedBatch {
  /** [n, h, w, 3] preprocessed, only the items that decoded. */
  input: Float32Array;
  /** Per item: null on success, else why it could not be decoded. */
  errors: (string | null)[];
  okCount: number;
}

/**
 * Batch inputs handed back by `releaseBatch`, reused by the next batch of the same size: a fresh
 * 19 MB Float32Array per batch (32 × 224² × 3) cost more CPU in page faults and zeroing than filling it.
 */
const spare: Float32Array[] = [];
const MAX_SPARE = 4;

function takeInput(length: number): Float32Array {
  const i = spare.findIndex((b) => b.length === length);
  return i >= 0 ? spare.splice(i, 1)[0] : new Float32Array(length);
}

/** The batch's input is no longer read by anyone (its forward pass finished): reuse its memory. */
export function releaseBatch(batch: PreparedBatch): void {
  if (batch.input.length > 0 && spare.length < MAX_SPARE && !spare.includes(batch.input))
    spare.push(batch.input);
}

/** Decode (sharp, off-thread), augment and preprocess a batch into one float buffer. */
export async function prepareBatch(items: ExtractItem[], opts: PixelOptions): Promise<PreparedBatch> {
  const [h, w] = opts.inputSize;
  // Augmented views of one file sit side by side in a batch: decode each file once, augment each view.
  const decodes = new Map<Uint8Array, Promise<RgbImage>>();
  const decodeOnce = (bytes: Uint8Array) => {
    let d = decodes.get(bytes);
    if (!d) {
      d = decodeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), w, h, opts.resize);
      decodes.set(bytes, d);
    }
    return d;
  };
  const decoded = await Promise.all(
    items.map((it) =>
      decodeOnce(it.bytes).then(
        (img) => {
          it.onDecoded?.(img);
          return it.augment ? augment(img, it.augment, it.seed) : img;
        },
        (e: Error) => e.message,
      ),
    ),
  );
  const errors = decoded.map((d) => (typeof d === 'string' ? d : null));
  const good = decoded.filter((d) => typeof d !== 'string');
  const per = h * w * 3;
  const input = takeInput(good.length * per);
  good.forEach((img, i) => preprocessInto(img, opts.preprocessing, input, i * per));
  return { input, errors, okCount: good.length };
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
