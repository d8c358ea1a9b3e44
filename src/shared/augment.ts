import { z } from 'zod';

/**
 * Keras `ImageDataGenerator` options (same meaning and units) plus contrast.
 * Ranges are symmetric: a value `r` draws uniformly from [-r, r] (zoom: [1-r, 1+r]).
 */
export const AugmentSpec = z.object({
  /** Degrees. */
  rotationRange: z.number().min(0).max(180).default(0),
  /** Fraction of width. */
  widthShiftRange: z.number().min(0).max(1).default(0),
  /** Fraction of height. */
  heightShiftRange: z.number().min(0).max(1).default(0),
  /** Shear angle in degrees, as Keras (counter-clockwise). */
  shearRange: z.number().min(0).max(90).default(0),
  /** Zoom range r → scale drawn from [1-r, 1+r]. */
  zoomRange: z.number().min(0).max(0.9).default(0),
  horizontalFlip: z.boolean().default(false),
  verticalFlip: z.boolean().default(false),
  /**
   * Keras `brightness_range` [lo, hi] multiplier, or null for off. Keras leaves it unbounded; here each
   * end is in [0, 3] (recipes use about [0.5, 1.5]; at ×3 a mid-grey photo is clipped to white, so more
   * only destroys images: [1e9, 1e10] trained to chance) and lo ≤ hi.
   */
  brightnessRange: z
    .tuple([z.number().min(0).max(3), z.number().min(0).max(3)])
    .refine(([lo, hi]) => lo <= hi, 'lo must not exceed hi')
    .nullable()
    .default(null),
  /** Contrast factor range r → factor drawn from [1-r, 1+r] around the image mean. */
  contrastRange: z.number().min(0).max(1).default(0),
  fillMode: z.enum(['nearest', 'reflect', 'constant', 'wrap']).default('nearest'),
  /** Fill value for `constant`, 0–255. */
  cval: z.number().min(0).max(255).default(0),
});
export type AugmentSpec = z.infer<typeof AugmentSpec>;
export type AugmentSpecInput = z.input<typeof AugmentSpec>;

export const NO_AUGMENT: AugmentSpec = AugmentSpec.parse({});

/** The classic Keras transfer-learning recipe's generator. */
export const KERAS_RECIPE_AUGMENT: AugmentSpec = AugmentSpec.parse({
  // Literally the blog recipe's `shear_range=0.2`: Keras 2 reads it as degrees.
  shearRange: 0.2,
  zoomRange: 0.2,
  horizontalFlip: true,
});

export function isIdentityAugment(spec: AugmentSpec): boolean {
  return (
    spec.rotationRange === 0 &&
    spec.widthShiftRange === 0 &&
    spec.heightShiftRange === 0 &&
    spec.shearRange === 0 &&
    spec.zoomRange === 0 &&
    !spec.horizontalFlip &&
    !spec.verticalFlip &&
    spec.brightnessRange === null &&
    spec.contrastRange === 0
  );
}
