import { beforeAll, describe, expect, it } from 'vitest';
import { modelFromKerasConfig, modelTopology } from '../../src/main/engine/keras/config';
import { tf } from '../../src/main/engine/tf';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A TF-Keras 2.x Functional config (tuples and shapes as its JSON encoder can write them). */
const keras2 = (extra: Record<string, unknown>[] = []) => ({
  class_name: 'Functional',
  config: {
    name: 'm',
    layers: [
      {
        class_name: 'InputLayer',
        name: 'input_1',
        config: {
          name: 'input_1',
          dtype: 'float32',
          sparse: false,
          ragged: false,
          batch_input_shape: { class_name: 'TensorShape', items: [null, 8, 8, 3] },
        },
        inbound_nodes: [],
      },
      {
        module: 'keras.layers',
        class_name: 'Conv2D',
        name: 'conv',
        registered_name: null,
        build_config: { input_shape: [null, 8, 8, 3] },
        config: {
          name: 'conv',
          filters: 4,
          kernel_size: { class_name: '__tuple__', items: [3, 3] },
          strides: [1, 1],
          padding: 'same',
          activation: 'silu',
          dtype: { module: 'keras.mixed_precision', class_name: 'Policy', config: { name: 'mixed_float16' } },
          kernel_initializer: {
            module: 'keras.initializers',
            class_name: 'HeNormal',
            config: { seed: null },
          },
        },
        inbound_nodes: [[['input_1', 0, 0, {}]]],
      },
      ...extra,
    ],
    input_layers: [['input_1', 0, 0]],
    output_layers: [[extra.length ? String(extra.at(-1)!.name) : 'conv', 0, 0]],
  },
});

describe('Keras model JSON → tfjs-layers', () => {
  it('unwraps tuples, shapes, module wrappers and dtype policies, and maps activation names', async () => {
    const m = await modelFromKerasConfig(keras2() as never);
    const conv = m.getLayer('conv') as tf.layers.Layer & {
      kernelSize: number[];
      activation: { getClassName(): string };
    };
    expect(m.outputs[0].shape).toEqual([null, 8, 8, 4]);
    expect(conv.kernelSize).toEqual([3, 3]);
    expect(conv.activation.getClassName()).toBe('swish');
    const layers = (
      modelTopology(keras2() as never).config as { layers: { config: Record<string, unknown> }[] }
    ).layers;
    expect(layers[1].config.dtype).toBe('float32'); // mixed_float16 policy: tfjs computes in float32
    expect(layers[1].config.kernel_initializer).toEqual({ class_name: 'HeNormal', config: { seed: null } });
    expect(layers[0].config).toMatchObject({ batch_input_shape: [null, 8, 8, 3] });
    expect(layers[0].config).not.toHaveProperty('ragged');
  });

  it('refuses what tfjs would run differently or not at all, naming the layer', () => {
    const after = (cls: string, config: Record<string, unknown>, module = 'keras.layers') => [
      {
        module,
        class_name: cls,
        name: 'x',
        config: { name: 'x', ...config },
        inbound_nodes: [[['conv', 0, 0, {}]]],
      },
    ];
    expect(() => modelTopology(keras2(after('Lambda', { function: 'abc' })) as never)).toThrow(
      'layer "x" (Lambda): this layer type is not supported by tfjs-layers (it runs Python/TensorFlow code)',
    );
    expect(() => modelTopology(keras2(after('Add', {}, 'keras.src.ops.numpy')) as never)).toThrow(
      'layer "x" (Add): a keras.ops call in the model graph is not a layer tfjs can run',
    );
    expect(() => modelTopology(keras2(after('Activation', { activation: 'hard_silu' })) as never)).toThrow(
      'layer "x" (Activation): activation "hard_silu" is not supported by tfjs',
    );
    expect(() => modelTopology(keras2(after('ReLU', { negative_slope: 0.1 })) as never)).toThrow(
      'layer "x" (ReLU): negative_slope is not supported by tfjs ReLU',
    );
    expect(() => modelTopology({ class_name: 'MyModel', config: {} })).toThrow(
      'the model is a MyModel; only Sequential and Functional Keras models can be imported',
    );
  });
});
