import { activationName, unsupported, type LayerCall } from '../../graph/layer-call';
import { attr, type OnnxBuilder } from './builder';

/** Keras' SELU constants (tf.keras.activations.selu), which tfjs uses too. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

type Activation = (b: OnnxBuilder, base: string, x: string, rank: number) => string;

const unary =
  (op: string, attrs = {}): Activation =>
  (b, base, x) =>
    b.op(`${base}/${op}`, op, [x], attrs);

/** Clip takes its bounds as inputs since opset 11. */
export function clip(b: OnnxBuilder, base: string, x: string, min: number, max: number): string {
  return b.op(`${base}/Clip`, 'Clip', [x, b.scalar(min), b.scalar(max)]);
}

/** Keras/tfjs activation name → ONNX ops. Rank-4 tensors are NCHW here, so "the last axis" is axis 1. */
export const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  linear: (_b, _base, x) => x,
  relu: unary('Relu'),
  relu6: (b, base, x) => clip(b, base, x, 0, 6),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  softmax: (b, base, x, rank) =>
    b.op(`${base}/Softmax`, 'Softmax', [x], { axis: attr.i(rank === 4 ? 1 : -1) }),
  elu: unary('Elu', { alpha: attr.f(1) }),
  selu: unary('Selu', { alpha: attr.f(SELU_ALPHA), gamma: attr.f(SELU_SCALE) }),
  swish: (b, base, x) => b.op(`${base}/mul`, 'Mul', [x, b.op(`${base}/Sigmoid`, 'Sigmoid', [x])]),
};
const ALIASES: Record<string, string> = { silu: 'swish' };

/** Apply the activation named in a layer config to `x` (rank = the Keras rank of x). */
export function emitActivation(
  b: OnnxBuilder,
  call: LayerCall,
  x: string,
  activation: unknown,
  rank: number,
): string {
  const name = activationName(activation);
  const act = ACTIVATIONS[ALIASES[name] ?? name];
  if (!act) throw unsupported(call, `activation "${name}" is not supported`);
  return act(b, call.base, x, rank);
}
