/** 8-bit RGB, interleaved, row-major: the engine's decoded image (same shape as augment's `RgbImage`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}
