import { CodedError } from '@shared/errors';
import type { FineTuneSpec } from '@shared/train';
import { tf } from '../tf';

type Layer = tf.layers.Layer;
type LayerNode = Layer['inboundNodes'][number];

/** The parts of a functional model the split reads (tfjs keeps `nodesByDepth` off its public type). */
interface Graph {
  inputs: tf.SymbolicTensor[];
  outputs: tf.SymbolicTensor[];
  nodesByDepth: { [depth: string]: LayerNode[] };
}

/** A fine-tune spec this base cannot be split by (a layer name it lacks, nothing to train). */
export class BoundaryError extends CodedError {
  override name = 'BoundaryError';
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

/** One tensor that crosses from the frozen part of the base into the unfrozen part. */
export interface BoundaryTensor {
  /** `<layer>:<node>:<tensor>`: stable across loads of the same model, so it can key a cache. */
  name: string;
  /** Per-sample shape (no batch dimension). */
  shape: number[];
  /** Product of `shape`. */
  size: number;
  /** The base's input itself (the whole base unfrozen): the cached value is the preprocessed image. */
  isInput: boolean;
}

export interface BoundarySplit {
  /** The weight-holding layers that train (their `trainable` is set by `unfreeze`). */
  unfrozen: Layer[];
  /** What the frozen part hands the unfrozen part, in a fixed order. */
  boundary: BoundaryTensor[];
  /**
   * Base input → every boundary tensor that is not the input itself (outputs in `boundary` order).
   * Computed once per image and view. Null when the input is the only boundary tensor.
   */
  frozen: tf.LayersModel | null;
  /**
   * Boundary tensors (inputs in `boundary` order) → the base's feature map. Built from the base's own
   * layers, so it shares their weights: training it trains the base. Apply it with `training: false`
   * (BatchNorm keeps its ImageNet statistics, as the full-model fine-tune does).
   */
  top: tf.LayersModel;
  /** Sum of boundary sizes: one cached sample is this many floats. */
  size: number;
}

/**
 * The layers a fine-tune spec unfreezes, exactly as the full-model fine-tune chooses them: the top N
 * layers that hold weights (as the UI lists them), or every weight-holding layer from `fromLayer` up.
 */
export function chooseUnfrozen(model: tf.LayersModel, spec: Pick<FineTuneSpec, 'layers' | 'fromLayer'>) {
  const layers = model.layers;
  if (spec.fromLayer) {
    const from = layers.findIndex((l) => l.name === spec.fromLayer);
    if (from < 0) throw new BoundaryError(`fine-tune layer "${spec.fromLayer}" is not in the base`);
    return layers.slice(Math.max(1, from)).filter((l) => l.weights.length > 0);
  }
  const withWeights = layers.filter((l) => l.weights.length > 0);
  return withWeights.slice(Math.max(0, withWeights.length - spec.layers));
}

/** Mark exactly `chosen` trainable (every other layer of the model frozen). */
export function setTrainable(model: tf.LayersModel, chosen: Layer[]): void {
  for (const l of model.layers) l.trainable = false;
  for (const l of chosen) l.trainable = true;
}

/** Nodes in execution order: deepest first, as tfjs-layers runs them. */
function orderedNodes(g: Graph): LayerNode[] {
  return Object.keys(g.nodesByDepth)
    .map(Number)
    .sort((a, b) => b - a)
    .flatMap((d) => g.nodesByDepth[d]);
}

const producer = (t: tf.SymbolicTensor): LayerNode => t.sourceLayer.inboundNodes[t.nodeIndex];
const tensorName = (t: tf.SymbolicTensor) => `${t.sourceLayer.name}:${t.nodeIndex}:${t.tensorIndex}`;

/**
 * Split a single-input, single-output functional base at the unfreeze boundary. A node is unfrozen when
 * its layer trains or any of its inputs comes from an unfrozen node; every tensor an unfrozen node reads
 * from a frozen one crosses the boundary (a skip connection around the cut makes that more than one).
 */
export function splitAtBoundary(model: tf.LayersModel, unfrozen: Layer[]): BoundarySplit {
  const g = model as unknown as Graph;
  if (g.inputs.length !== 1 || g.outputs.length !== 1)
    throw new BoundaryError(`the base must have one input and one output to split it`);
  if (!unfrozen.length) throw new BoundaryError('no layer is unfrozen: nothing to fine-tune');
  const chosen = new Set(unfrozen);
  const nodes = orderedNodes(g);
  const hot = new Set<LayerNode>();
  const crossing = new Map<number, tf.SymbolicTensor>();
  for (const n of nodes) {
    if (n.outboundLayer.getClassName() === 'InputLayer') continue;
    if (chosen.has(n.outboundLayer) || n.inputTensors.some((t) => hot.has(producer(t)))) hot.add(n);
  }
  for (const n of nodes)
    if (hot.has(n)) for (const t of n.inputTensors) if (!hot.has(producer(t))) crossing.set(t.id, t);
  const out = g.outputs[0];
  if (!hot.has(producer(out)))
    throw new BoundaryError(`the unfrozen layers do not feed the feature layer: nothing to fine-tune`);
  const cross = [...crossing.values()];
  const boundary = cross.map((t) => {
    const shape = t.shape.slice(1) as number[];
    if (shape.some((d) => d === null || d <= 0))
      throw new BoundaryError(`boundary tensor ${tensorName(t)} has no fixed shape`);
    // The whole base unfrozen: what crosses is the (preprocessed, augmented) image itself.
    const isInput = g.inputs.includes(t);
    return { name: tensorName(t), shape, size: shape.reduce((a, b) => a * b, 1), isInput };
  });
  const computed = cross.filter((t) => !g.inputs.includes(t));
  const frozen = computed.length
    ? tf.model({ inputs: g.inputs, outputs: computed, name: `${model.name}_frozen` })
    : null;

  // Re-apply the unfrozen nodes' own layers to fresh inputs: same layer objects, same weights.
  const inputs = boundary.map((b, i) => tf.input({ shape: b.shape, name: `boundary_${i}` }));
  const map = new Map<number, tf.SymbolicTensor>(cross.map((t, i) => [t.id, inputs[i]]));
  for (const n of nodes) {
    if (!hot.has(n)) continue;
    const args = n.inputTensors.map((t) => map.get(t.id)!);
    // `mask` is runtime state tfjs writes into callArgs; every other saved call argument is kept.
    const kwargs = { ...n.callArgs };
    delete kwargs.mask;
    const res = n.outboundLayer.apply(args.length === 1 ? args[0] : args, kwargs);
    const outs = Array.isArray(res) ? res : [res];
    n.outputTensors.forEach((t, i) => map.set(t.id, outs[i] as tf.SymbolicTensor));
  }
  const top = tf.model({ inputs, outputs: map.get(out.id)!, name: `${model.name}_unfrozen_top` });
  return {
    unfrozen,
    boundary,
    frozen,
    top,
    size: boundary.reduce((a, b) => a + b.size, 0),
  };
}

/** Split flat `[n, size]` rows (every boundary tensor of a sample, concatenated) into the top's inputs. */
export function unpackBoundary(x: tf.Tensor, split: Pick<BoundarySplit, 'boundary'>): tf.Tensor[] {
  const n = x.shape[0];
  if (split.boundary.length === 1) return [tf.reshape(x, [n, ...split.boundary[0].shape])];
  const parts = tf.split(
    x,
    split.boundary.map((b) => b.size),
    1,
  );
  return parts.map((p, i) => tf.reshape(p, [n, ...split.boundary[i].shape]));
}
