import { preprocessingSpec, type Preprocessing } from '@shared/preprocessing';
import { attr, type OnnxBuilder } from './builder';

/**
 * Ops turning raw 0–255 RGB (NHWC, before the transpose) into what the base expects: one op per step of
 * its preprocessing table row (src/shared/preprocessing.ts), in the decoder's order and arithmetic
 * (divide, then subtract), so the graph reproduces the engine's numbers. Returns the preprocessed
 * tensor, or null for a mode the table does not have.
 */
export function emitPreprocessing(b: OnnxBuilder, images: string, mode: Preprocessing): string | null {
  const spec = preprocessingSpec(mode);
  if (!spec) return null;
  const p = 'preprocess';
  let x = images;
  if (spec.channelOrder === 'BGR') {
    const order = b.constInt64(`${p}/bgr_order`, [2, 1, 0], [3]);
    x = b.op(`${p}/rgb_to_bgr`, 'Gather', [x, order], { axis: attr.i(3) });
  }
  if (spec.divisor !== null) x = b.op(`${p}/div`, 'Div', [x, b.scalar(spec.divisor)]);
  if (spec.offset !== null) x = b.op(`${p}/sub_offset`, 'Sub', [x, b.scalar(spec.offset)]);
  if (spec.mean !== null) x = b.op(`${p}/sub`, 'Sub', [x, b.constFloat(`${p}/mean`, [...spec.mean], [3])]);
  if (spec.std !== null) x = b.op(`${p}/div_std`, 'Div', [x, b.constFloat(`${p}/std`, [...spec.std], [3])]);
  return x;
}
