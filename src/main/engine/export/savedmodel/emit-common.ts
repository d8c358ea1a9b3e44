import { attr, type GraphBuilder } from './graph-builder';
import type { AttrValueObj } from './types';
import {
  activationName,
  kerasPadding,
  unsupported,
  type Emitter as GraphEmitter,
  type LayerCall,
} from '../../graph/layer-call';

export { pair, requireChannelsLast, staticDims, unsupported, type LayerCall } from '../../graph/layer-call';

/** Emits TensorFlow ops for one layer call and returns the tensor name of its output. */
export type Emitter = GraphEmitter<GraphBuilder>;

export const T_FLOAT: AttrValueObj = attr.type('DT_FLOAT');
export const T = { T: T_FLOAT };

export function tfPadding(call: LayerCall): 'SAME' | 'VALID' {
  // Keras/tfjs 'same' with stride 2 pads more at the bottom/right, exactly as TensorFlow's SAME does.
  return kerasPadding(call) === 'same' ? 'SAME' : 'VALID';
}

/** Element-wise activation by its tfjs/Keras name; `linear` emits nothing. */
export function emitActivation(
  b: GraphBuilder,
  base: string,
  x: string,
  activation: unknown,
  call: LayerCall,
): string {
  const name = activationName(activation);
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
