import type * as tfTypes from '@tensorflow/tfjs';
import { LayerGraphError } from './errors';

/** One call of a layer (one inbound node), with its inputs already emitted. */
export interface LayerCall {
  layer: tfTypes.layers.Layer;
  className: string;
  config: Record<string, unknown>;
  /** Tensor names of the inputs. */
  inputs: string[];
  /** Keras (channels-last) shapes of the inputs, batch dimension (null) first. */
  inputShapes: (number | null)[][];
  /** Output shape with the batch dimension (null) first. */
  outputShape: (number | null)[];
  /** Node name prefix for everything this call emits. */
  base: string;
  /** A BatchNormalization layer folded into this conv/dense call. */
  foldedBn?: tfTypes.layers.Layer;
}

/** Emits ops for one layer call into builder `B` and returns the tensor name of its output. */
export type Emitter<B> = (b: B, call: LayerCall) => string;

/** One target format: tfjs-layers class name → emitter. InputLayer and nested models are the walk's. */
export interface GraphTarget<B> {
  /** How error messages name the target ("the SavedModel export"). */
  name: string;
  emitters: Readonly<Record<string, Emitter<B>>>;
}

export function unsupported(call: LayerCall, why: string): LayerGraphError {
  return new LayerGraphError(`layer "${call.layer.name}" (${call.className}): ${why}`);
}

export function pair(v: unknown, what: string, call: LayerCall): [number, number] {
  const arr = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : null;
  if (!arr || arr.length !== 2 || !arr.every((n) => Number.isInteger(n) && n > 0)) {
    throw unsupported(call, `invalid ${what} ${JSON.stringify(v)}`);
  }
  return [arr[0] as number, arr[1] as number];
}

/** Keras padding mode of a conv/pooling layer ('causal' and anything else is refused). */
export function kerasPadding(call: LayerCall): 'same' | 'valid' {
  const p = call.config.padding ?? 'valid';
  if (p === 'same' || p === 'valid') return p;
  throw unsupported(call, `padding "${String(p)}" is not supported`);
}

export function requireChannelsLast(call: LayerCall): void {
  const f = call.config.dataFormat;
  if (f !== undefined && f !== null && f !== 'channelsLast')
    throw unsupported(call, `data format ${String(f)} is not supported (channelsLast only)`);
}

export function staticDims(call: LayerCall, shape: (number | null)[], what: string): number[] {
  const rest = shape.slice(1);
  if (rest.some((d) => d === null || d < 0))
    throw unsupported(call, `${what} shape [${shape.join(',')}] is not fully known`);
  return rest as number[];
}

/** A Keras axis (negative counts from the end) as a non-negative index into a rank-`rank` shape. */
export function axisOf(call: LayerCall, axis: unknown, rank: number): number {
  const a = typeof axis === 'number' ? axis : -1;
  const n = a < 0 ? a + rank : a;
  if (!Number.isInteger(n) || n < 0 || n >= rank)
    throw unsupported(call, `invalid axis ${String(axis)} for rank ${rank}`);
  return n;
}

/** The activation name of a layer config ('linear' when absent). */
export function activationName(activation: unknown): string {
  return activation === undefined || activation === null ? 'linear' : String(activation);
}

/** ZeroPadding2D's padding as [[top, bottom], [left, right]]. */
export function zeroPadding(call: LayerCall): [[number, number], [number, number]] {
  const p = call.config.padding;
  if (typeof p === 'number')
    return [
      [p, p],
      [p, p],
    ];
  if (Array.isArray(p) && p.length === 2 && p.every((q) => typeof q === 'number'))
    return [
      [p[0], p[0]],
      [p[1], p[1]],
    ];
  if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2))
    return [
      [p[0][0], p[0][1]],
      [p[1][0], p[1][1]],
    ];
  throw unsupported(call, `invalid padding ${JSON.stringify(p)}`);
}
