/**
 * Augmentation speed on a real 224×224 photo: `npx tsx bench/augment.bench.ts`.
 * Prints JSON; msPerImage is the full transform (every option on), the cost paid per training image.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { AugmentSpec, KERAS_RECIPE_AUGMENT } from '@shared/augment';
import { augment, type RgbImage } from '../src/main/engine/augment/augment';

const here = path.dirname(fileURLToPath(import.meta.url));
const photo = path.resolve(here, '../../shared/datasets/hymenoptera_data/train/ants/0013035.jpg');

/** Keras recipe plus every other option, so no fast path is taken. */
const FULL = AugmentSpec.parse({
  rotationRange: 20,
  widthShiftRange: 0.2,
  heightShiftRange: 0.2,
  shearRange: 0.2,
  zoomRange: 0.2,
  horizontalFlip: true,
  brightnessRange: [0.8, 1.2],
  contrastRange: 0.2,
  fillMode: 'nearest',
});

function time(img: RgbImage, spec: AugmentSpec, iterations: number): number {
  let checksum = 0;
  for (let i = 0; i < 50; i++) checksum += augment(img, spec, i).data[0]; // warm up the JIT
  const start = performance.now();
  for (let i = 0; i < iterations; i++) checksum += augment(img, spec, 1000 + i).data[i % 1000];
  const ms = (performance.now() - start) / iterations;
  if (Number.isNaN(checksum)) throw new Error('unreachable: keeps the results live');
  return ms;
}

const { data, info } = await sharp(photo)
  .resize(224, 224, { fit: 'fill' })
  .removeAlpha()
  .raw()
  .toBuffer({ resolveWithObject: true });
const img: RgbImage = { width: info.width, height: info.height, data: new Uint8Array(data) };
const iterations = 1000;
const round = (v: number): number => Math.round(v * 1000) / 1000;
console.log(
  JSON.stringify({
    image: '224x224 RGB',
    iterations,
    msPerImage: round(time(img, FULL, iterations)),
    msPerImageKerasRecipe: round(time(img, KERAS_RECIPE_AUGMENT, iterations)),
    msPerImageReflect: round(time(img, { ...FULL, fillMode: 'reflect' }, iterations)),
  }),
);
