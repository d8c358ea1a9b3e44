import { augment } from '../augment/augment';
import type { ExtractItem, PixelOptions, PreparedBatch } from '../extract/batch';
import { decodeImage } from '../image/decode';
import type { RgbImage } from '../image/rgb';
import { preprocessInto } from '../image/preprocess';

/**
 * Batch input buffers kept for reuse. Touching fresh memory is what a new 19 MB batch costs most
 * (page faults: ~30 ms per batch on the 2-core sandbox, against ~1 ms to overwrite a warm buffer).
 * A buffer is taken whole and fully overwritten, and given back once the batch has run.
 */
export class BufferPool {
  private free = new Map<number, Float32Array[]>();
  constructor(private readonly keep = 4) {}
  take(length: number): Float32Array {
    return this.free.get(length)?.pop() ?? new Float32Array(length);
  }
  give(buffer: Float32Array): void {
    const list = this.free.get(buffer.length) ?? [];
    if (list.length < this.keep) list.push(buffer);
    this.free.set(buffer.length, list);
  }
  clear(): void {
    this.free.clear();
  }
}

/**
 * `prepareBatch` for a batch holding several views of one image: items that share the same `bytes`
 * object (the extraction loop passes one per file; a worker message keeps that sharing) are decoded
 * once and augmented per view. A view is decode → augment, so the pixels are exactly prepareBatch's;
 * with 5 augmented views per training image this decodes 5× fewer times.
 */
export async function prepareViews(
  items: ExtractItem[],
  opts: PixelOptions,
  pool?: BufferPool,
): Promise<PreparedBatch> {
  const [h, w] = opts.inputSize;
  const decodes = new Map<Uint8Array, Promise<RgbImage | string>>();
  const decodeOf = (bytes: Uint8Array) => {
    let d = decodes.get(bytes);
    if (!d) {
      d = decodeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), w, h, opts.resize).catch(
        (e: Error) => e.message,
      );
      decodes.set(bytes, d);
    }
    return d;
  };
  const views = await Promise.all(
    items.map(async (it) => {
      const img = await decodeOf(it.bytes);
      return typeof img === 'string' || !it.augment ? img : augment(img, it.augment, it.seed);
    }),
  );
  const errors = views.map((v) => (typeof v === 'string' ? v : null));
  const good = views.filter((v): v is RgbImage => typeof v !== 'string');
  const per = h * w * 3;
  const input = pool ? pool.take(good.length * per) : new Float32Array(good.length * per);
  good.forEach((img, i) => preprocessInto(img, opts.preprocessing, input, i * per));
  return { input, errors, okCount: good.length };
}
