import { attr, type GraphBuilder } from './graph-builder';
import { T } from './emit-common';
import { PREPROCESSING_MODES, SavedModelExportError, type Preprocessing } from './types';

/** Keras `imagenet_utils` constants. */
export const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68];
export const TORCH_MEAN = [0.485, 0.456, 0.406];
export const TORCH_STD = [0.229, 0.224, 0.225];

/**
 * Ops turning raw 0–255 RGB into what the base expects, written with the same arithmetic (divide, then
 * subtract) as the engine's preprocessing so the exported graph reproduces it to the last bit.
 * Returns the tensor the model's first layer reads.
 */
export function emitPreprocessing(b: GraphBuilder, images: string, mode: Preprocessing): string {
  const p = 'preprocess';
  switch (mode) {
    case 'none':
      return images;
    case 'tf': {
      const d = b.op(`${p}/truediv`, 'RealDiv', [images, b.constFloat(`${p}/scale`, [127.5], [])], T);
      return b.op(`${p}/sub`, 'Sub', [d, b.constFloat(`${p}/one`, [1], [])], T);
    }
    case 'caffe': {
      const axis = b.constInt32(`${p}/channel_axis`, [3], [1]);
      const bgr = b.op(`${p}/rgb_to_bgr`, 'ReverseV2', [images, axis], { ...T, Tidx: attr.type('DT_INT32') });
      return b.op(`${p}/sub`, 'Sub', [bgr, b.constFloat(`${p}/mean`, CAFFE_BGR_MEAN, [3])], T);
    }
    case 'torch': {
      const d = b.op(`${p}/truediv`, 'RealDiv', [images, b.constFloat(`${p}/scale`, [255], [])], T);
      const c = b.op(`${p}/sub`, 'Sub', [d, b.constFloat(`${p}/mean`, TORCH_MEAN, [3])], T);
      return b.op(`${p}/truediv_std`, 'RealDiv', [c, b.constFloat(`${p}/std`, TORCH_STD, [3])], T);
    }
    default:
      throw new SavedModelExportError(
        `unknown preprocessing "${String(mode)}" (expected one of ${PREPROCESSING_MODES.join(', ')})`,
      );
  }
}
