/**
 * Small functional models that together use every layer type the exporters support (shared by the
 * SavedModel and ONNX layer tests): each activation, BN folded and unfused, padding, pooling, merges,
 * Flatten/Reshape, rank-3 Dense, Rescaling, nested Sequential and a layer called twice.
 */
import * as tf from '@tensorflow/tfjs';

export const SIZE = 32;
type ST = tf.SymbolicTensor;
const L = tf.layers;
const ap = (layer: tf.layers.Layer, x: ST | ST[]): ST => layer.apply(x) as ST;

/** Convolutions, every activation, BN folded and not, padding, pooling, merges. */
export function convModel(): tf.LayersModel {
  const inp = tf.input({ shape: [SIZE, SIZE, 3], name: 'img' });
  let x = ap(
    L.conv2d({ name: 'c1', filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
    inp,
  );
  x = ap(L.batchNormalization({ name: 'c1_bn' }), x); // folds into c1 (no bias)
  x = ap(L.activation({ name: 'c1_relu6', activation: 'relu6' }), x);
  x = ap(L.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same' }), x);
  x = ap(L.batchNormalization({ name: 'dw_bn' }), x); // folds into dw (with bias, multiplier 2)
  x = ap(L.reLU({ name: 'dw_relu', maxValue: 6 }), x);
  x = ap(
    L.separableConv2d({
      name: 'sep',
      filters: 12,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'elu',
    }),
    x,
  );
  x = ap(L.batchNormalization({ name: 'sep_bn' }), x); // after an activation: FusedBatchNormV3
  const c = ap(L.conv2d({ name: 'c2', filters: 12, kernelSize: 1 }), x);
  const cBn = ap(L.batchNormalization({ name: 'c2_bn', center: false }), c); // c2 also feeds the Add: unfused
  x = ap(L.add({ name: 'skip' }), [c, cBn]);
  x = ap(L.activation({ name: 'act_swish', activation: 'swish' }), x);
  x = ap(
    L.zeroPadding2d({
      name: 'pad',
      padding: [
        [1, 0],
        [0, 1],
      ],
    }),
    x,
  );
  x = ap(L.maxPooling2d({ name: 'maxpool', poolSize: 2 }), x);
  x = ap(L.averagePooling2d({ name: 'avgpool', poolSize: 3, strides: 1, padding: 'same' }), x);
  const a = ap(L.conv2d({ name: 'branch_selu', filters: 6, kernelSize: 1, activation: 'selu' }), x);
  const b = ap(
    L.conv2d({ name: 'branch_tanh', filters: 6, kernelSize: 3, padding: 'same', activation: 'tanh' }),
    x,
  );
  const s = ap(L.conv2d({ name: 'branch_sigmoid', filters: 6, kernelSize: 1, activation: 'sigmoid' }), x);
  const m = ap(L.multiply({ name: 'gate' }), [a, s]);
  x = ap(L.concatenate({ name: 'concat', axis: -1 }), [m, b, a]);
  x = ap(L.reLU({ name: 'relu_cap3', maxValue: 3 }), x);
  x = ap(L.conv2d({ name: 'c3', filters: 8, kernelSize: 2, padding: 'valid', activation: 'relu' }), x);
  x = ap(L.globalMaxPooling2d({ name: 'gmp' }), x);
  x = ap(L.dense({ name: 'd1', units: 16 }), x);
  x = ap(L.batchNormalization({ name: 'd1_bn', scale: false }), x); // folds into the dense
  x = ap(L.activation({ name: 'd1_act', activation: 'relu' }), x);
  x = ap(L.dense({ name: 'd2', units: 8, activation: 'relu6' }), x);
  x = ap(L.batchNormalization({ name: 'd2_bn' }), x); // 2-D, after an activation: Mul + AddV2
  x = ap(L.activation({ name: 'lin', activation: 'linear' }), x);
  x = ap(L.dense({ name: 'out', units: 3, activation: 'softmax' }), x);
  return tf.model({ inputs: inp, outputs: x, name: 'conv_model' });
}

/** Flatten/Reshape, a rank-3 Dense, Rescaling inside the model, GAP, Dropout and a softmax Activation layer. */
export function shapeModel(): tf.LayersModel {
  const inp = tf.input({ shape: [SIZE, SIZE, 3], name: 'img' });
  let x = ap(L.rescaling({ name: 'rescale', scale: 1 / 255, offset: -0.5 }), inp);
  x = ap(L.rescaling({ name: 'rescale_up', scale: 2 }), x);
  x = ap(L.conv2d({ name: 'c1', filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }), x);
  const g = ap(L.globalAveragePooling2d({ name: 'gap' }), x);
  x = ap(L.maxPooling2d({ name: 'pool', poolSize: 3, strides: 3 }), x);
  x = ap(L.flatten({ name: 'flat' }), x);
  x = ap(L.dense({ name: 'd1', units: 24, activation: 'elu' }), x);
  x = ap(L.reshape({ name: 'to_seq', targetShape: [4, 6] }), x);
  x = ap(L.dense({ name: 'per_step', units: 5, activation: 'tanh' }), x); // Dense on [batch, 4, 6]
  x = ap(L.batchNormalization({ name: 'seq_bn' }), x); // 3-D after tanh: Mul + AddV2
  x = ap(L.dense({ name: 'per_step_lin', units: 5 }), x);
  x = ap(L.batchNormalization({ name: 'seq_bn_folded' }), x); // folds into the rank-3 dense
  x = ap(L.reshape({ name: 'back', targetShape: [20] }), x);
  x = ap(L.concatenate({ name: 'with_gap' }), [x, g]);
  x = ap(L.dropout({ name: 'drop', rate: 0.3 }), x);
  x = ap(L.dense({ name: 'logits', units: 4 }), x);
  x = ap(L.activation({ name: 'probs', activation: 'softmax' }), x);
  return tf.model({ inputs: inp, outputs: x, name: 'shape_model' });
}

/** A Sequential sub-model inlined in a functional model, and one conv layer called on two branches. */
export function nestedModel(): tf.LayersModel {
  const inner = tf.sequential({
    name: 'inner',
    layers: [
      L.conv2d({
        name: 'inner_c',
        inputShape: [SIZE, SIZE, 3],
        filters: 6,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
      }),
      L.batchNormalization({ name: 'inner_bn' }),
      L.reLU({ name: 'inner_relu' }),
    ],
  });
  const inp = tf.input({ shape: [SIZE, SIZE, 3], name: 'img' });
  let f = ap(inner, inp);
  f = ap(
    L.separableConv2d({ name: 'sep', filters: 6, kernelSize: 3, padding: 'same', depthMultiplier: 2 }),
    f,
  );
  f = ap(L.batchNormalization({ name: 'sep_bn' }), f); // folds into the pointwise kernel
  const shared = L.conv2d({ name: 'shared', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' });
  const a = ap(shared, f);
  const b = ap(shared, ap(L.averagePooling2d({ name: 'blur', poolSize: 3, strides: 1, padding: 'same' }), f));
  let x = ap(L.add({ name: 'sum3' }), [a, b, f]);
  x = ap(L.globalAveragePooling2d({ name: 'gap' }), x);
  x = ap(L.dense({ name: 'out', units: 2, activation: 'softmax' }), x);
  return tf.model({ inputs: inp, outputs: x, name: 'nested_model' });
}

/** A plain Sequential as the top-level model. */
export function sequentialModel(): tf.LayersModel {
  return tf.sequential({
    name: 'seq_model',
    layers: [
      L.conv2d({
        name: 'c',
        inputShape: [SIZE, SIZE, 3],
        filters: 4,
        kernelSize: 5,
        strides: 3,
        activation: 'relu',
      }),
      L.averagePooling2d({ name: 'pool', poolSize: 2 }),
      L.flatten({ name: 'flat' }),
      L.dense({ name: 'out', units: 2, activation: 'softmax' }),
    ],
  });
}
