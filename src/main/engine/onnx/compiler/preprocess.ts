import { CAFFE_MEAN_BGR, TORCH_MEAN, TORCH_STD, type Preprocessing } from '../../image/preprocess';
import { attr, type OnnxBuilder } from './builder';

/**
 * Ops turning raw 0–255 RGB (NHWC, before the transpose) into what the base expects, with the same
 * arithmetic order (divide, then subtract) as the engine's own preprocessing. One row per mode.
 */
export const PREPROCESS_OPS: Readonly<Record<Preprocessing, (b: OnnxBuilder, images: string) => string>> = {
  none: (_b, x) => x,
  tf: (b, x) => {
    const d = b.op('preprocess/div', 'Div', [x, b.scalar(127.5)]);
    return b.op('preprocess/sub', 'Sub', [d, b.scalar(1)]);
  },
  caffe: (b, x) => {
    const order = b.constInt64('preprocess/bgr_order', [2, 1, 0], [3]);
    const bgr = b.op('preprocess/rgb_to_bgr', 'Gather', [x, order], { axis: attr.i(3) });
    return b.op('preprocess/sub', 'Sub', [bgr, b.constFloat('preprocess/mean', CAFFE_MEAN_BGR, [3])]);
  },
  torch: (b, x) => {
    const d = b.op('preprocess/div', 'Div', [x, b.scalar(255)]);
    const c = b.op('preprocess/sub', 'Sub', [d, b.constFloat('preprocess/mean', TORCH_MEAN, [3])]);
    return b.op('preprocess/div_std', 'Div', [c, b.constFloat('preprocess/std', TORCH_STD, [3])]);
  },
};

export const PREPROCESSING_MODES = Object.keys(PREPROCESS_OPS) as Preprocessing[];
