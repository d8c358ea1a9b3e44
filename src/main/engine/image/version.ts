/**
 * Version of the pixels the decoder produces. Cached features are computed from these pixels, so the
 * feature store puts it in every set key: bump it whenever decoding or resizing changes any pixel, and
 * old cached features are never read as if they came from the new decoder.
 *
 * 1: sharp, embedded ICC profiles applied. 2: ICC profiles ignored (tried, reverted). 3: as 1, with
 * preprocessing by look-up table. 4: as 3, embedded profiles that are sRGB already not re-applied
 * (identical pixels on the shared photos, at most one step elsewhere).
 */
export const PIXELS_VERSION = 4;
