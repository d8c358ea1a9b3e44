import {
  PREPROCESSING,
  preprocessingSpec,
  type Preprocessing,
  type PreprocessingSpec,
} from '@shared/preprocessing';
import { attr, type GraphBuilder } from './graph-builder';
import { T } from './emit-common';
import { SavedModelExportError } from './types';

/** The table row of `mode`; an unknown mode is refused before anything is built. */
export function preprocessingRow(mode: Preprocessing): PreprocessingSpec {
  const spec = preprocessingSpec(mode);
  if (!spec)
    throw new SavedModelExportError(
      `unknown preprocessing "${String(mode)}" (expected one of ${Object.keys(PREPROCESSING).join(', ')})`,
    );
  return spec;
}

/**
 * Ops turning raw 0–255 RGB into what the base expects, one op per step of its preprocessing table row
 * and in the same order and arithmetic (divide, then subtract) as the engine's decoder, so the exported
 * graph reproduces it to the last bit. Returns the tensor the model's first layer reads.
 */
export function emitPreprocessing(b: GraphBuilder, images: string, mode: Preprocessing): string {
  const spec = preprocessingRow(mode);
  const p = 'preprocess';
  let x = images;
  if (spec.channelOrder === 'BGR') {
    const axis = b.constInt32(`${p}/channel_axis`, [3], [1]);
    x = b.op(`${p}/rgb_to_bgr`, 'ReverseV2', [x, axis], { ...T, Tidx: attr.type('DT_INT32') });
  }
  if (spec.divisor !== null)
    x = b.op(`${p}/truediv`, 'RealDiv', [x, b.constFloat(`${p}/scale`, [spec.divisor], [])], T);
  // A scalar offset's node is named `one` (tf's x/127.5 − 1): the golden SavedModel fixture pins it.
  if (spec.offset !== null) x = b.op(`${p}/sub`, 'Sub', [x, b.constFloat(`${p}/one`, [spec.offset], [])], T);
  if (spec.mean !== null) x = b.op(`${p}/sub`, 'Sub', [x, b.constFloat(`${p}/mean`, [...spec.mean], [3])], T);
  if (spec.std !== null)
    x = b.op(`${p}/truediv_std`, 'RealDiv', [x, b.constFloat(`${p}/std`, [...spec.std], [3])], T);
  return x;
}
