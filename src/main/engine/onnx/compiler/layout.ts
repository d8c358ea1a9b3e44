import { attr, type OnnxBuilder } from './builder';

/**
 * Inside the compiled graph every rank-4 (image) tensor is NCHW, ORT's fast layout; every other rank
 * keeps Keras' layout. These are the only two transposes, used at the edges and where Keras' NHWC
 * element order matters (Flatten, Reshape).
 */
export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

export function toNchw(b: OnnxBuilder, want: string, x: string): string {
  return b.op(want, 'Transpose', [x], { perm: attr.ints(NHWC_TO_NCHW) });
}

export function toNhwc(b: OnnxBuilder, want: string, x: string): string {
  return b.op(want, 'Transpose', [x], { perm: attr.ints(NCHW_TO_NHWC) });
}

/** A Keras axis of a rank-4 NHWC tensor as the axis of its NCHW form (N→0, H→2, W→3, C→1). */
export function nchwAxis(kerasAxis: number): number {
  return [0, 2, 3, 1][kerasAxis];
}

/**
 * TensorFlow's SAME padding for one spatial dimension: the output is ceil(in / stride) and the odd
 * pixel of padding goes after (bottom/right). Returns [before, after].
 */
export function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}
