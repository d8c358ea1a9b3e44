/**
 * Version of the pixels the decoder produces. Cached features are computed from these pixels, so the
 * feature store puts it in every set key: bump it whenever decoding or resizing changes any pixel, and
 * old cached features are never read as if they came from the new decoder.
 *
 * 1: sharp, embedded ICC profiles applied. 2: embedded ICC profiles ignored (as Keras, PIL and
 * tf.io.decode_jpeg do, so the pixels are the ones the pretrained bases were trained on).
 */
export const PIXELS_VERSION = 2;
