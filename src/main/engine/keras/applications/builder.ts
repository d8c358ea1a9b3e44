import { tf } from '../../tf';
import { KerasNormalization } from './normalization';

export type ST = tf.SymbolicTensor;
/** How kernels start: tfjs' random initializers, or zeros when pretrained weights are loaded next. */
export type Init = 'random' | 'zeros';
type Pair = number | [number, number];
type Padding = 'same' | 'valid';
type ZeroPad = number | [number, number] | [[number, number], [number, number]];

/**
 * Writes a Keras application the way its Keras source reads: one method per Keras layer call, with
 * Keras' argument names and defaults. A layer the source leaves unnamed gets the name tf.keras 2.x
 * gives it in a fresh session (snake-cased class name, zero-based per class: `conv2d`, `conv2d_1`, …),
 * so every layer name equals what `keras.applications` builds.
 */
export class KerasBuilder {
  private counts = new Map<string, number>();
  /**
   * Kernel initializer: 'zeros' skips drawing millions of random numbers when pretrained weights are
   * loaded right after building (VGG16's 14.7 M take over a second); the default is tfjs' own.
   */
  constructor(private readonly init: Init = 'random') {}

  private kernelInit(): { kernelInitializer?: 'zeros' } {
    return this.init === 'zeros' ? { kernelInitializer: 'zeros' } : {};
  }

  /** tf.keras `backend.unique_object_name(..., zero_based=True)`. */
  auto(prefix: string): string {
    const n = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  }

  private name(given: string | undefined, prefix: string): string {
    return given ?? this.auto(prefix);
  }

  /** `layers.Input(shape)`: Keras names inputs one-based (`input_1`). */
  input(size: [number, number]): ST {
    return tf.input({ shape: [size[0], size[1], 3], name: 'input_1' });
  }

  conv2d(
    x: ST,
    filters: number,
    kernel: Pair,
    o: { strides?: Pair; padding?: Padding; useBias?: boolean; activation?: string; name?: string } = {},
  ): ST {
    return tf.layers
      .conv2d({
        filters,
        kernelSize: kernel,
        strides: o.strides ?? 1,
        padding: o.padding ?? 'valid',
        useBias: o.useBias ?? true,
        activation: (o.activation ?? 'linear') as 'linear',
        ...this.kernelInit(),
        name: this.name(o.name, 'conv2d'),
      })
      .apply(x) as ST;
  }

  depthwiseConv2d(
    x: ST,
    kernel: Pair,
    o: { strides?: Pair; padding?: Padding; useBias?: boolean; name?: string } = {},
  ): ST {
    return tf.layers
      .depthwiseConv2d({
        kernelSize: kernel,
        strides: o.strides ?? 1,
        padding: o.padding ?? 'valid',
        useBias: o.useBias ?? true,
        ...(this.init === 'zeros' ? { depthwiseInitializer: 'zeros' as const } : {}),
        name: this.name(o.name, 'depthwise_conv2d'),
      })
      .apply(x) as ST;
  }

  separableConv2d(
    x: ST,
    filters: number,
    kernel: Pair,
    o: { padding?: Padding; useBias?: boolean; name?: string } = {},
  ): ST {
    return tf.layers
      .separableConv2d({
        filters,
        kernelSize: kernel,
        padding: o.padding ?? 'valid',
        useBias: o.useBias ?? true,
        ...(this.init === 'zeros'
          ? { depthwiseInitializer: 'zeros' as const, pointwiseInitializer: 'zeros' as const }
          : {}),
        name: this.name(o.name, 'separable_conv2d'),
      })
      .apply(x) as ST;
  }

  /** Keras defaults: epsilon 1e-3, momentum 0.99, center and scale on. */
  batchNorm(
    x: ST,
    o: { epsilon?: number; momentum?: number; scale?: boolean; center?: boolean; name?: string } = {},
  ): ST {
    return tf.layers
      .batchNormalization({
        axis: -1,
        epsilon: o.epsilon ?? 1e-3,
        momentum: o.momentum ?? 0.99,
        scale: o.scale ?? true,
        center: o.center ?? true,
        name: this.name(o.name, 'batch_normalization'),
      })
      .apply(x) as ST;
  }

  activation(x: ST, activation: string, name?: string): ST {
    return tf.layers
      .activation({ activation: activation as 'relu', name: this.name(name, 'activation') })
      .apply(x) as ST;
  }

  /** `layers.ReLU(max_value)`. */
  relu(x: ST, maxValue: number | undefined, name?: string): ST {
    return tf.layers.reLU({ maxValue, name: this.name(name, 're_lu') }).apply(x) as ST;
  }

  zeroPadding2d(x: ST, padding: ZeroPad, name?: string): ST {
    return tf.layers
      .zeroPadding2d({
        padding: padding as [[number, number], [number, number]],
        name: this.name(name, 'zero_padding2d'),
      })
      .apply(x) as ST;
  }

  maxPooling2d(x: ST, pool: Pair, o: { strides?: Pair; padding?: Padding; name?: string } = {}): ST {
    return tf.layers
      .maxPooling2d({
        poolSize: pool,
        strides: o.strides ?? pool,
        padding: o.padding ?? 'valid',
        name: this.name(o.name, 'max_pooling2d'),
      })
      .apply(x) as ST;
  }

  averagePooling2d(x: ST, pool: Pair, o: { strides?: Pair; padding?: Padding; name?: string } = {}): ST {
    return tf.layers
      .averagePooling2d({
        poolSize: pool,
        strides: o.strides ?? pool,
        padding: o.padding ?? 'valid',
        name: this.name(o.name, 'average_pooling2d'),
      })
      .apply(x) as ST;
  }

  globalAveragePooling2d(x: ST, name?: string): ST {
    return tf.layers
      .globalAveragePooling2d({ name: this.name(name, 'global_average_pooling2d') })
      .apply(x) as ST;
  }

  reshape(x: ST, targetShape: number[], name?: string): ST {
    return tf.layers.reshape({ targetShape, name: this.name(name, 'reshape') }).apply(x) as ST;
  }

  add(xs: ST[], name?: string): ST {
    return tf.layers.add({ name: this.name(name, 'add') }).apply(xs) as ST;
  }

  multiply(xs: ST[], name?: string): ST {
    return tf.layers.multiply({ name: this.name(name, 'multiply') }).apply(xs) as ST;
  }

  concatenate(xs: ST[], name?: string): ST {
    return tf.layers.concatenate({ axis: -1, name: this.name(name, 'concatenate') }).apply(xs) as ST;
  }

  /** `noiseShape` as Keras gives it (`(None, 1, 1, 1)`): only matters in training. */
  dropout(x: ST, rate: number, o: { noiseShape?: (number | null)[]; name?: string } = {}): ST {
    return tf.layers
      .dropout({ rate, noiseShape: o.noiseShape as number[] | undefined, name: this.name(o.name, 'dropout') })
      .apply(x) as ST;
  }

  /**
   * `layers.Rescaling(scale, offset)`. Keras also takes a per-channel list (EfficientNet does); the
   * tfjs layer multiplies by whatever `scale` holds, so a list broadcasts over the last axis the same way.
   */
  rescaling(x: ST, scale: number | number[], offset = 0, name?: string): ST {
    return tf.layers
      .rescaling({ scale: scale as number, offset, name: this.name(name, 'rescaling') })
      .apply(x) as ST;
  }

  normalization(x: ST, name?: string): ST {
    return new KerasNormalization({ axis: -1, name: this.name(name, 'normalization') }).apply(x) as ST;
  }

  model(input: ST, output: ST, name: string): tf.LayersModel {
    return tf.model({ inputs: input, outputs: output, name });
  }
}

/** Channels of a 4-D symbolic tensor (NHWC). */
export function channels(x: ST): number {
  const c = x.shape[x.shape.length - 1];
  if (c === null) throw new Error(`tensor ${x.name} has an unknown channel count`);
  return c;
}

/** Keras `imagenet_utils.correct_pad`: the asymmetric padding a stride-2 'valid' conv needs to act as 'same'. */
export function correctPad(x: ST, kernel: number): [[number, number], [number, number]] {
  const [h, w] = [x.shape[1], x.shape[2]];
  const adjust = h === null || w === null ? [1, 1] : [1 - (h % 2), 1 - (w % 2)];
  const c = Math.floor(kernel / 2);
  return [
    [c - adjust[0], c],
    [c - adjust[1], c],
  ];
}
