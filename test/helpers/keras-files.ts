/**
 * Test helpers: real photos as model input, and Keras 3 `.keras` archives written the way Keras 3's
 * saving_lib writes them (config.json + metadata.json + model.weights.h5 with `layers/<class>/vars/<i>`),
 * using h5wasm and fflate directly — not the code under test.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { zipSync, strToU8 } from 'fflate';
import h5wasm from 'h5wasm/node';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { prepareBatch } from '../../src/main/engine/extract/batch';
import type { Preprocessing } from '../../src/main/engine/image/preprocess';
import { HYMENOPTERA } from './shared';

/** `n` real photos (spread over both classes), decoded, resized and preprocessed: [n, size, size, 3]. */
export async function photoBatch(n: number, size: number, preprocessing: Preprocessing = 'tf') {
  const scan = await scanDataset(HYMENOPTERA);
  const step = Math.floor(scan.files.length / n);
  const files = scan.files.filter((_, i) => i % step === 0).slice(0, n);
  const batch = await prepareBatch(
    await Promise.all(
      files.map(async (f) => ({ bytes: new Uint8Array(await readFile(f.path)), augment: null, seed: 0 })),
    ),
    { inputSize: [size, size], resize: 'stretch', preprocessing },
  );
  if (batch.okCount !== n) throw new Error(`only ${batch.okCount} of ${n} photos decoded`);
  return { input: batch.input, shape: [n, size, size, 3] as [number, number, number, number], files };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

// ---- Keras 3 config.json pieces, as keras.src.saving.serialization_lib writes them ----

const policy = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};
const init = (cls: string, config: Record<string, unknown> = {}) => ({
  module: 'keras.initializers',
  class_name: cls,
  config,
  registered_name: null,
});
const tensor = (shape: (number | null)[], from: string) => ({
  class_name: '__keras_tensor__',
  config: { shape, dtype: 'float32', keras_history: [from, 0, 0] },
});
const node = (args: unknown[]) => ({ args, kwargs: {} });

type Call = { shape: (number | null)[]; from: string };

/** A Keras 3 layer entry of a Functional config (`inbound` empty for an InputLayer). */
export function k3Layer(
  cls: string,
  name: string,
  config: Record<string, unknown>,
  inbound: Call[] | Call[][] = [],
) {
  const isInput = cls === 'InputLayer';
  const args =
    inbound.length === 0
      ? []
      : Array.isArray(inbound[0])
        ? [(inbound as Call[][])[0].map((c) => tensor(c.shape, c.from))]
        : (inbound as Call[]).map((c) => tensor(c.shape, c.from));
  return {
    module: 'keras.layers',
    class_name: cls,
    config: isInput ? { name, ...config } : { name, trainable: true, dtype: policy, ...config },
    registered_name: null,
    ...(isInput ? {} : { build_config: { input_shape: (inbound.flat() as Call[])[0]?.shape ?? null } }),
    name,
    inbound_nodes: isInput ? [] : [node(args)],
  };
}

export const k3 = { policy, init };

/**
 * The small CNN the tests write in Keras 3's format: conv → BN → ReLU6 → depthwise → BN → silu →
 * 1×1 conv, a residual Add, pooling, dropout, softmax. Returns the Functional config and, per layer, the
 * weights-file path Keras 3 gives it (by class, numbered per class in model order).
 */
export function smallCnnKeras3(size: number, name = 'small_cnn', withHead = true) {
  const S = (h: number, c: number) => [null, h, h, c];
  const h = size / 2;
  const conv = (filters: number, k: number, strides: number, useBias: boolean) => ({
    filters, kernel_size: [k, k], strides: [strides, strides], padding: 'same', data_format: 'channels_last',
    dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: useBias,
    kernel_initializer: init('GlorotUniform', { seed: null }), bias_initializer: init('Zeros'),
    kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
  }); // prettier-ignore
  const bn = {
    axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true,
    beta_initializer: init('Zeros'), gamma_initializer: init('Ones'), moving_mean_initializer: init('Zeros'),
    moving_variance_initializer: init('Ones'), beta_regularizer: null, gamma_regularizer: null, beta_constraint: null,
    gamma_constraint: null, synchronized: false, renorm: false, renorm_clipping: null, renorm_momentum: 0.99,
  }; // prettier-ignore
  const layers = [
    k3Layer('InputLayer', 'image', {
      batch_shape: S(size, 3),
      dtype: 'float32',
      sparse: false,
      ragged: false,
      optional: false,
    }),
    k3Layer('Conv2D', 'stem_conv', conv(8, 3, 2, false), [{ shape: S(size, 3), from: 'image' }]),
    k3Layer('BatchNormalization', 'stem_bn', bn, [{ shape: S(h, 8), from: 'stem_conv' }]),
    k3Layer('ReLU', 'stem_relu', { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, [
      { shape: S(h, 8), from: 'stem_bn' },
    ]),
    k3Layer('DepthwiseConv2D', 'dw', {
      depth_multiplier: 1, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last',
      dilation_rate: [1, 1], activation: 'linear', use_bias: false, depthwise_initializer: init('GlorotUniform', { seed: null }),
      bias_initializer: init('Zeros'), depthwise_regularizer: null, bias_regularizer: null, activity_regularizer: null,
      depthwise_constraint: null, bias_constraint: null,
    }, [{ shape: S(h, 8), from: 'stem_relu' }]), // prettier-ignore
    k3Layer('BatchNormalization', 'dw_bn', bn, [{ shape: S(h, 8), from: 'dw' }]),
    k3Layer('Activation', 'dw_act', { activation: 'silu' }, [{ shape: S(h, 8), from: 'dw_bn' }]),
    k3Layer('Conv2D', 'project', conv(8, 1, 1, true), [{ shape: S(h, 8), from: 'dw_act' }]),
    k3Layer('Add', 'residual', {}, [
      [
        { shape: S(h, 8), from: 'project' },
        { shape: S(h, 8), from: 'stem_relu' },
      ],
    ]),
  ];
  const head = [
    k3Layer('GlobalAveragePooling2D', 'pool', { data_format: 'channels_last', keepdims: false }, [
      { shape: S(h, 8), from: 'residual' },
    ]),
    k3Layer('Dropout', 'drop', { rate: 0.2, seed: null, noise_shape: null }, [
      { shape: [null, 8], from: 'pool' },
    ]),
    k3Layer('Dense', 'probs', {
      units: 3, activation: 'softmax', use_bias: true, kernel_initializer: init('GlorotUniform', { seed: null }),
      bias_initializer: init('Zeros'), kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null,
      bias_constraint: null, quantization_config: null,
    }, [{ shape: [null, 8], from: 'drop' }]), // prettier-ignore
  ];
  const all = withHead ? [...layers, ...head] : layers;
  const config = {
    module: 'keras',
    class_name: 'Functional',
    config: {
      name,
      trainable: true,
      layers: all,
      // Keras 3 writes a single input/output as one bare [layer, node, tensor].
      input_layers: ['image', 0, 0],
      output_layers: [withHead ? 'probs' : 'residual', 0, 0],
    },
    registered_name: 'Functional',
    build_config: { input_shape: null },
    compile_config: null,
  };
  // Written by hand from Keras' naming rule (to_snake_case of the class, _1, _2… per class).
  const paths: Record<string, string> = {
    stem_conv: 'conv2d', stem_bn: 'batch_normalization', dw: 'depthwise_conv2d', dw_bn: 'batch_normalization_1',
    project: 'conv2d_1', ...(withHead ? { probs: 'dense' } : {}),
  }; // prettier-ignore
  return { config, paths };
}

/** Write `vars` datasets at `<path>/vars/<i>` for each layer, in the order given. */
export async function writeKeras3Weights(
  file: string,
  vars: Record<string, { shape: number[]; data: Float32Array }[]>,
) {
  const m = await h5wasm.ready;
  m.activate_throwing_error_handler();
  const f = new h5wasm.File(file, 'w');
  try {
    const ensure = (p: string) => {
      let g: InstanceType<typeof h5wasm.Group> = f;
      for (const part of p.split('/')) {
        const existing = g.get(part);
        g = existing instanceof h5wasm.Group ? existing : g.create_group(part);
      }
      return g;
    };
    for (const [p, arrays] of Object.entries(vars)) {
      const g = ensure(`${p}/vars`);
      arrays.forEach((a, i) =>
        g.create_dataset({ name: String(i), data: a.data, shape: a.shape, dtype: '<f' }),
      );
    }
    ensure('optimizer/vars'); // Keras writes the optimizer's state too; a loader must not trip on it
  } finally {
    f.close();
  }
}

/** Zip config.json, metadata.json and model.weights.h5 into a `.keras` file. */
export async function writeKerasArchive(file: string, config: unknown, weightsH5: string) {
  const zip = zipSync({
    'metadata.json': strToU8(JSON.stringify({ keras_version: '3.10.0', date_saved: '2026-11-30@12:00:00' })),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': new Uint8Array(await readFile(weightsH5)),
  });
  await writeFile(file, zip);
}
