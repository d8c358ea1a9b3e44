/**
 * Version of the pixels the decoder produces. Cached features are computed from these pixels, so the
 * feature store puts it in every set key: bump it whenever decoding or resizing changes any pixel, and
 * old cached features are never read as if they came from the new decoder.
 *
 * 1: sharp, embedded ICC profiles applied. 2: ICC profiles ignored (tried, reverted). 3: as 1, with
 * preprocessing by look-up table. 4: as 3, embedded profiles that are sRGB already not re-applied
 * (identical pixels on the shared photos, at most one step elsewhere). 5: a JPEG's other RGB profiles
 * applied after the resize, by table (image/icc-lut.ts): mean 0.4 steps from 4 on the 35 shared photos
 * that carry one, up to 47 at saturated edges where the order of clipping and averaging matters.
 */
export const PIXELS_VERSION = 5;
