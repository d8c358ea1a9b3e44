import type * as tfTypes from '@tensorflow/tfjs';
import { attr, type GraphBuilder } from './graph-builder';
import { SavedModelExportError, type AttrValueObj } from './types';

/** One call of a layer (one inbound node), with its inputs already emitted. */
export interface LayerCall {
  layer: tfTypes.layers.Layer;
  className: string;
  config: Record<string, unknown>;
  /** Tensor names of the inputs. */
  inputs: string[];
  inputShapes: (number | null)[][];
  /** Output shape with the batch dimension (null) first. */
  outputShape: (number | null)[];
  /** Node name prefix for everything this call emits. */
  base: string;
  /** A BatchNormalization layer folded into this conv/dense call. */
  foldedBn?: tfTypes.layers.Layer;
}

/** Emits ops for one layer call and returns the tensor name of its output. */
export type Emitter = (b: GraphBuilder, call: LayerCall) => string;

export const T_FLOAT: AttrValueObj = attr.type('DT_FLOAT');
export const T = { T: T_FLOAT };

export function unsupported(call: LayerCall, why: string): SavedModelExportError {
  return new SavedModelExportError(`layer "${call.layer.name}" (${call.className}): ${why}`);
}

export function pair(v: unknown, what: string, call: LayerCall): [number, number] {
  const arr = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : null;
  if (!arr || arr.length !== 2 || !arr.every((n) => Number.isInteger(n) && n > 0)) {
    throw unsupported(call, `invalid ${what} ${JSON.stringify(v)}`);
  }
  return [arr[0] as number, arr[1] as number];
}

export function tfPadding(call: LayerCall): 'SAME' | 'VALID' {
  const p = call.config.padding ?? 'valid';
  // Keras/tfjs 'same' with stride 2 pads more at the bottom/right, exactly as TensorFlow's SAME does.
  if (p === 'same') return 'SAME';
  if (p === 'valid') return 'VALID';
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

/** Element-wise activation by its tfjs/Keras name; `linear` emits nothing. */
export function emitActivation(
  b: GraphBuilder,
  base: string,
  x: string,
  activation: unknown,
  call: LayerCall,
): string {
  const name = activation === undefined || activation === null ? 'linear' : String(activation);
  const unary = (op: string) => b.op(`${base}/${op}`, op, [x], T);
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return unary('Relu');
    case 'relu6':
      return unary('Relu6');
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'softmax':
      // tfjs and Keras apply softmax over the last axis, which is what the Softmax op does.
      return unary('Softmax');
    case 'elu':
      return unary('Elu');
    case 'selu':
      return unary('Selu');
    case 'swish':
    case 'silu': {
      const s = b.op(`${base}/Sigmoid`, 'Sigmoid', [x], T);
      return b.op(`${base}/mul`, 'Mul', [s, x], T);
    }
    default:
      throw unsupported(call, `activation "${name}" is not supported`);
  }
}
