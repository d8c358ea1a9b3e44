import type { RgbImage } from './rgb';

/**
 * How a base wants its input, as Keras applications define it:
 * - `tf`: x/127.5 − 1 (MobileNet v1/v2, Inception, Xception)
 * - `caffe`: RGB→BGR, minus the ImageNet BGR mean, no scaling (VGG, ResNet50 v1)
 * - `torch`: x/255, minus ImageNet mean, divided by std (DenseNet)
 * - `none`: raw 0–255 (EfficientNet, ConvNeXt: rescaling is inside the model)
 */
export type Preprocessing = 'tf' | 'caffe' | 'torch' | 'none';

export const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];
export const TORCH_MEAN = [0.485, 0.456, 0.406];
export const TORCH_STD = [0.229, 0.224, 0.225];

/** Write one image, preprocessed, into `out` at `offset` (floats). HWC order, 3 channels. */
export function preprocessInto(img: RgbImage, mode: Preprocessing, out: Float32Array, offset = 0): void {
  const src = img.data;
  const n = img.width * img.height;
  switch (mode) {
    case 'tf':
      for (let i = 0; i < n * 3; i++) out[offset + i] = src[i] / 127.5 - 1;
      return;
    case 'none':
      for (let i = 0; i < n * 3; i++) out[offset + i] = src[i];
      return;
    case 'caffe':
      for (let p = 0; p < n; p++) {
        const s = p * 3;
        const d = offset + s;
        out[d] = src[s + 2] - CAFFE_MEAN_BGR[0];
        out[d + 1] = src[s + 1] - CAFFE_MEAN_BGR[1];
        out[d + 2] = src[s] - CAFFE_MEAN_BGR[2];
      }
      return;
    case 'torch':
      for (let p = 0; p < n; p++) {
        for (let c = 0; c < 3; c++)
          out[offset + p * 3 + c] = (src[p * 3 + c] / 255 - TORCH_MEAN[c]) / TORCH_STD[c];
      }
      return;
  }
}

export function preprocess(img: RgbImage, mode: Preprocessing): Float32Array {
  const out = new Float32Array(img.width * img.height * 3);
  preprocessInto(img, mode, out);
  return out;
}
