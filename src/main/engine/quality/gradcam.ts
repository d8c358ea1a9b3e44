/**
 * Grad-CAM (Selvaraju et al., 2017) on the base's last convolutional feature map — the map the head
 * takes: α_c = spatial mean of ∂(class logit)/∂A_c, cam = relu(Σ_c α_c A_c), scaled to [0, 1]. Inference
 * mode throughout (no dropout), so the same image always gives the same map.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { ResizeMode } from '@shared/train';
import { GradCamRequest, type GradCamRequestInput, type GradCamResult } from '@shared/quality';
import type { PixelOptions } from '../extract/batch';
import { decodeImage } from '../image/decode';
import { preprocess } from '../image/preprocess';
import { tf } from '../tf';

export interface GradCamModel {
  /** Preprocessed pixels → feature map [1, h, w, c] (a run's `base.model`). */
  features: tf.LayersModel;
  /** Feature map → logits (a run's `head.logits`: every head takes the full map). */
  logits: tf.LayersModel;
  pixel: PixelOptions;
}

export interface CamMap {
  classIndex: number;
  probabilities: number[];
  /** [height × width] row-major, in [0, 1]. */
  cam: Float32Array;
  width: number;
  height: number;
}

export async function gradCam(m: GradCamModel, image: Buffer, classIndex?: number): Promise<CamMap> {
  const [h, w] = m.pixel.inputSize;
  const img = await decodeImage(image, w, h, m.pixel.resize);
  const x = tf.tensor4d(preprocess(img, m.pixel.preprocessing), [1, h, w, 3]);
  const A = m.features.predict(x) as tf.Tensor4D;
  try {
    const logits = m.logits.predict(A) as tf.Tensor2D;
    const probsT = tf.softmax(logits);
    const probabilities = Array.from(await probsT.data());
    tf.dispose([logits, probsT]);
    const k = classIndex ?? probabilities.indexOf(Math.max(...probabilities));
    if (k < 0 || k >= probabilities.length)
      throw new Error(`class ${k} is not one of ${probabilities.length}`);
    const camT = tf.tidy(() => {
      const score = (a: tf.Tensor) =>
        tf.sum(tf.slice(m.logits.apply(a, { training: false }) as tf.Tensor2D, [0, k], [1, 1]));
      const grads = tf.grad(score)(A);
      const alpha = tf.mean(grads, [1, 2], true); // [1, 1, 1, c]
      return tf.relu(tf.sum(tf.mul(A, alpha), 3)).squeeze([0]); // [fh, fw]
    });
    const [fh, fw] = camT.shape as [number, number];
    const cam = Float32Array.from(await camT.data());
    camT.dispose();
    let max = 0;
    for (const v of cam) if (v > max) max = v;
    if (max > 0) for (let i = 0; i < cam.length; i++) cam[i] /= max;
    return { classIndex: k, probabilities, cam, width: fw, height: fh };
  } finally {
    tf.dispose([x, A]);
  }
}

/**
 * The map's value at a point of the original photo, (u, v) ∈ [0, 1]² (bilinear). The model saw the photo
 * through its resize mode, so the mapping undoes it: stretch covers the whole photo, centre-crop only
 * its middle (0 outside), letterbox the photo inside a padded square.
 */
export function camSampler(
  map: Pick<CamMap, 'cam' | 'width' | 'height'>,
  photo: { width: number; height: number },
  input: { width: number; height: number },
  mode: ResizeMode,
): (u: number, v: number) => number {
  const { cam, width: fw, height: fh } = map;
  // The photo's extent in the model input, as fractions of the input (x0, y0, x1, y1).
  let box = [0, 0, 1, 1];
  const pa = photo.width / photo.height;
  const ia = input.width / input.height;
  if (mode === 'center-crop') {
    // The input shows the middle of the photo: the photo extends beyond it.
    box =
      pa > ia ? [0.5 - pa / ia / 2, 0, 0.5 + pa / ia / 2, 1] : [0, 0.5 - ia / pa / 2, 1, 0.5 + ia / pa / 2];
  } else if (mode === 'letterbox') {
    box =
      pa > ia ? [0, 0.5 - ia / pa / 2, 1, 0.5 + ia / pa / 2] : [0.5 - pa / ia / 2, 0, 0.5 + pa / ia / 2, 1];
  }
  return (u, v) => {
    const ix = box[0] + u * (box[2] - box[0]);
    const iy = box[1] + v * (box[3] - box[1]);
    if (ix < 0 || ix > 1 || iy < 0 || iy > 1) return 0;
    // Cell centres at (i + 0.5) / n.
    const fx = Math.min(fw - 1, Math.max(0, ix * fw - 0.5));
    const fy = Math.min(fh - 1, Math.max(0, iy * fh - 0.5));
    const x0 = Math.floor(fx);
    const y0 = Math.floor(fy);
    const x1 = Math.min(fw - 1, x0 + 1);
    const y1 = Math.min(fh - 1, y0 + 1);
    const dx = fx - x0;
    const dy = fy - y0;
    const top = cam[y0 * fw + x0] * (1 - dx) + cam[y0 * fw + x1] * dx;
    const bottom = cam[y1 * fw + x0] * (1 - dx) + cam[y1 * fw + x1] * dx;
    return top * (1 - dy) + bottom * dy;
  };
}

/** Colour map stops (jet): blue (cold) → cyan → yellow → red (hot). A table, not a switch. */
const JET: [number, number, number, number][] = [
  [0, 0, 0, 128],
  [0.125, 0, 0, 255],
  [0.375, 0, 255, 255],
  [0.625, 255, 255, 0],
  [0.875, 255, 0, 0],
  [1, 128, 0, 0],
];

export function heatColour(t: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, t));
  let i = 1;
  while (i < JET.length - 1 && JET[i][0] < v) i++;
  const [a, b] = [JET[i - 1], JET[i]];
  const f = (v - a[0]) / (b[0] - a[0]);
  return [0, 1, 2].map((c) => Math.round(a[c + 1] + (b[c + 1] - a[c + 1]) * f)) as [number, number, number];
}

/** The photo (EXIF-oriented, longest side ≤ maxSide) with the heatmap blended over it, as raw RGBA. */
export async function overlayRgba(
  image: Buffer,
  map: CamMap,
  pixel: PixelOptions,
  opacity: number,
  maxSide: number,
): Promise<{ rgba: Uint8Array; width: number; height: number }> {
  const meta = await sharp(image, { pages: 1 }).metadata();
  const ow = meta.autoOrient?.width ?? meta.width ?? 1;
  const oh = meta.autoOrient?.height ?? meta.height ?? 1;
  const scale = Math.min(1, maxSide / Math.max(ow, oh));
  const width = Math.max(1, Math.round(ow * scale));
  const height = Math.max(1, Math.round(oh * scale));
  const photo = await decodeImage(image, width, height, 'stretch');
  const at = camSampler(
    map,
    { width: ow, height: oh },
    { width: pixel.inputSize[1], height: pixel.inputSize[0] },
    pixel.resize,
  );
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const c = heatColour(at((x + 0.5) / width, (y + 0.5) / height));
      for (let k = 0; k < 3; k++)
        rgba[p * 4 + k] = Math.round(photo.data[p * 3 + k] * (1 - opacity) + c[k] * opacity);
      rgba[p * 4 + 3] = 255;
    }
  return { rgba, width, height };
}

/**
 * Grad-CAM for one request (IPC / CLI): the map plus the overlay as a data URL. `upload` stands in for
 * the file (an uploaded image; `path` is then only its name).
 */
export async function gradCamForRequest(
  m: GradCamModel,
  request: GradCamRequestInput,
  upload?: Uint8Array,
): Promise<GradCamResult> {
  const req = GradCamRequest.parse(request);
  const image = upload
    ? Buffer.from(upload.buffer, upload.byteOffset, upload.byteLength)
    : await readFile(req.path);
  const map = await gradCam(m, image, req.classIndex);
  const { rgba, width, height } = await overlayRgba(image, map, m.pixel, req.opacity, req.maxSide);
  const enc = sharp(rgba, { raw: { width, height, channels: 4 } });
  const bytes = await (req.format === 'png' ? enc.png() : enc.removeAlpha().jpeg({ quality: 88 })).toBuffer();
  return {
    classIndex: map.classIndex,
    probabilities: map.probabilities,
    cam: Array.from(map.cam),
    camWidth: map.width,
    camHeight: map.height,
    width,
    height,
    overlay: `data:image/${req.format};base64,${bytes.toString('base64')}`,
  };
}
