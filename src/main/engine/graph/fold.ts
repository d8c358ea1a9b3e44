import type * as tfTypes from '@tensorflow/tfjs';

type Layer = tfTypes.layers.Layer;
export type LayerNode = Layer['inboundNodes'][number];

/** Layers a directly following BatchNormalization can be folded into (when their activation is linear). */
export const FOLDABLE = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);

function bnAxisIsLast(bn: Layer, rank: number): boolean {
  const raw = bn.getConfig().axis;
  const a = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  return a === -1 || a === rank - 1 || a === undefined;
}

/**
 * Pick the BatchNormalization calls that can be folded into the conv/dense call feeding them: the
 * producer has a linear activation and the BN is its output's only consumer (nothing else may see the
 * un-normalised value). Returns producer node → BN layer, plus the set of folded BN nodes. Every target
 * format folds the same way, so their outputs agree with each other as well as with tfjs.
 */
export function planFolds(
  nodes: LayerNode[],
  outputs: tfTypes.SymbolicTensor[],
): { into: Map<LayerNode, Layer>; folded: Set<LayerNode> } {
  const consumers = new Map<number, number>();
  const bump = (id: number) => consumers.set(id, (consumers.get(id) ?? 0) + 1);
  for (const n of nodes)
    if (n.outboundLayer.getClassName() !== 'InputLayer') n.inputTensors.forEach((t) => bump(t.id));
  outputs.forEach((t) => bump(t.id));
  const members = new Set(nodes);
  const into = new Map<LayerNode, Layer>();
  const folded = new Set<LayerNode>();
  for (const n of nodes) {
    if (n.outboundLayer.getClassName() !== 'BatchNormalization' || n.inputTensors.length !== 1) continue;
    const t = n.inputTensors[0];
    const producer = t.sourceLayer.inboundNodes[t.nodeIndex];
    if (!producer || !members.has(producer) || into.has(producer)) continue;
    const pl = producer.outboundLayer;
    if (!FOLDABLE.has(pl.getClassName()) || consumers.get(t.id) !== 1) continue;
    const act = pl.getConfig().activation;
    if (act !== undefined && act !== null && act !== 'linear') continue;
    if (!bnAxisIsLast(n.outboundLayer, t.shape.length)) continue;
    into.set(producer, n.outboundLayer);
    folded.add(n);
  }
  return { into, folded };
}
