import { augment } from '../augment/augment';
import type { ExtractItem, PixelOptions, PreparedBatch } from '../extract/batch';
import { decodeImage } from '../image/decode';
import type { RgbImage } from '../image/rgb';
import { preprocessInto } from '../image/preprocess';

/**
 * `prepareBatch` for a batch holding several views of one image: items that share the same `bytes`
 * object (the extraction loop passes one per file; a worker message keeps that sharing) are decoded
 * once and augmented per view. A view is decode → augment, so the pixels are exactly prepareBatch's;
 * with 5 augmented views per training image this decodes 5× fewer times.
 */
export async function prepareViews(items: ExtractItem[], opts: PixelOptions): Promise<PreparedBatch> {
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
  const input = new Float32Array(good.length * per);
  good.forEach((img, i) => preprocessInto(img, opts.preprocessing, input, i * per));
  return { input, errors, okCount: good.length };
}
