import { tf } from '../../tf';

type Kwargs = Record<string, unknown>;
type LayerVariable = tf.LayerVariable;

/**
 * Keras' `Normalization` preprocessing layer at inference: `(x - mean) / max(sqrt(variance), 1e-7)`
 * over the last axis. tfjs-layers has no such layer; EfficientNet's stem uses one. Its weights are
 * Keras' own, in Keras' order: `mean` [C], `variance` [C], `count` [] (Keras stores the sample count
 * as int64; here it is float32 so every weight stays float32 — it is never used at inference, but it
 * is part of Keras' parameter count and of the weight file).
 */
export class KerasNormalization extends tf.layers.Layer {
  static className = 'Normalization';
  /** Keras `backend.epsilon()`, the floor on the standard deviation. */
  static readonly EPSILON = 1e-7;
  readonly axis: number;
  private mean: LayerVariable | null = null;
  private variance: LayerVariable | null = null;

  constructor(
    args: {
      axis?: number | number[] | null;
      mean?: unknown;
      variance?: unknown;
      invert?: boolean;
      name?: string;
      inputShape?: number[];
    } = {},
  ) {
    super(args as tf.serialization.ConfigDict);
    const axis = Array.isArray(args.axis) ? args.axis : [args.axis ?? -1];
    // Keras' image models normalise channels-last: axis -1 (or 3, EfficientNet's `bn_axis`).
    if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3))
      throw new Error(
        `Normalization "${this.name}": only the channel (last) axis is supported, got ${JSON.stringify(args.axis)}`,
      );
    // A config with fixed mean/variance (no weights) or `invert` computes something else: refuse it.
    if ((args.mean ?? null) !== null || (args.variance ?? null) !== null || args.invert)
      throw new Error(
        `Normalization "${this.name}": mean/variance given in the config or invert=true is not supported`,
      );
    this.axis = -1;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[shape.length - 1];
    if (c === null || c === undefined)
      throw new Error(`Normalization "${this.name}": the channel count must be known`);
    const zeros = tf.initializers.zeros();
    this.mean = this.addWeight('mean', [c], 'float32', zeros, undefined, false);
    this.variance = this.addWeight('variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.addWeight('count', [], 'float32', zeros, undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const std = tf.maximum(tf.sqrt(this.variance!.read()), KerasNormalization.EPSILON);
      return tf.div(tf.sub(x, this.mean!.read()), std);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: this.axis };
  }
}
tf.serialization.registerClass(KerasNormalization);
