import type * as tfTypes from '@tensorflow/tfjs';
import type { GraphBuilder } from './graph-builder';
import { EMITTERS } from './emitters';
import { FOLDABLE } from './emit-conv';
import type { LayerCall } from './emit-common';
import { SavedModelExportError } from './types';

type Layer = tfTypes.layers.Layer;
type LayerNode = Layer['inboundNodes'][number];
type SymbolicTensor = tfTypes.SymbolicTensor;

/** The parts of a functional container (LayersModel, Sequential, a nested model) the walk reads. */
interface Container {
  name: string;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  nodesByDepth: { [depth: string]: LayerNode[] };
}

export function isContainer(layer: unknown): layer is Container & Layer {
  const c = layer as Partial<Container>;
  return (
    typeof c === 'object' &&
    c !== null &&
    Array.isArray(c.inputs) &&
    Array.isArray(c.outputs) &&
    typeof c.nodesByDepth === 'object'
  );
}

/**
 * A Sequential keeps its graph in an inner functional model that exists only once it is built (first
 * call, fit or predict); until then its own nodesByDepth is empty. Build it the way its call() would.
 */
function functional(c: Container): Container {
  const seq = c as Container & { model?: Container | null; build?: () => void; getClassName?: () => string };
  if (seq.getClassName?.() !== 'Sequential') return c;
  if (!seq.model) seq.build?.();
  if (!seq.model || !isContainer(seq.model))
    throw new SavedModelExportError(`Sequential model "${c.name}" could not be built (is it empty?)`);
  return seq.model;
}

/** Nodes in execution order: deepest first, as tfjs-layers' own runInternalGraph runs them. */
function orderedNodes(container: Container): LayerNode[] {
  const c = functional(container);
  return Object.keys(c.nodesByDepth)
    .map(Number)
    .sort((a, b) => b - a)
    .flatMap((d) => c.nodesByDepth[d]);
}

/** Number of layer calls the walk will make (for progress reporting). */
export function countLayerCalls(c: Container): number {
  let n = 0;
  for (const node of orderedNodes(c)) {
    const layer = node.outboundLayer;
    if (layer.getClassName() === 'InputLayer') continue;
    n += isContainer(layer) ? countLayerCalls(layer) : 1;
  }
  return n;
}

function bnAxisIsLast(bn: Layer, rank: number): boolean {
  const raw = bn.getConfig().axis;
  const a = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  return a === -1 || a === rank - 1 || a === undefined;
}

/**
 * Pick the BatchNormalization calls that can be folded into the conv/dense call feeding them: the
 * producer has a linear activation and the BN is its output's only consumer (nothing else may see the
 * un-normalised value). Returns producer node → BN layer, plus the set of folded BN nodes.
 */
function planFolds(
  nodes: LayerNode[],
  outputs: SymbolicTensor[],
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

/**
 * Emit the ops of a functional container, feeding `inputNames` to its inputs; returns the tensor names
 * of its outputs. Nested models are inlined under "<model name>/".
 */
export function walkContainer(
  b: GraphBuilder,
  c: Container,
  inputNames: string[],
  prefix: string,
  onLayer?: () => void,
  calls = new Map<Layer, number>(),
): string[] {
  if (inputNames.length !== c.inputs.length)
    throw new SavedModelExportError(
      `model "${c.name}" takes ${c.inputs.length} inputs, got ${inputNames.length}`,
    );
  const tensors = new Map<number, string>();
  c = functional(c);
  c.inputs.forEach((t, i) => tensors.set(t.id, inputNames[i]));
  const nodes = orderedNodes(c);
  const { into, folded } = planFolds(nodes, c.outputs);
  for (const node of nodes) {
    const layer = node.outboundLayer;
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    const inputs = node.inputTensors.map((t) => {
      const name = tensors.get(t.id);
      if (name === undefined)
        throw new SavedModelExportError(
          `layer "${layer.name}" (${className}): input ${t.name} is not computed from the model input`,
        );
      return name;
    });
    // Numbered by emission, not inboundNodes index: a nested model's node 0 is its own input wiring.
    const callIndex = calls.get(layer) ?? 0;
    calls.set(layer, callIndex + 1);
    const base = `${prefix}${layer.name}${callIndex > 0 ? `_call${callIndex}` : ''}`;
    let outs: string[];
    if (folded.has(node)) {
      outs = inputs; // the producer already applied this batch norm through its folded weights
      onLayer?.();
    } else if (isContainer(layer)) {
      outs = walkContainer(b, layer, inputs, `${base}/`, onLayer, calls);
    } else {
      const emit = EMITTERS[className];
      if (!emit)
        throw new SavedModelExportError(
          `layer "${layer.name}" (${className}) is not supported by the SavedModel export`,
        );
      const call: LayerCall = {
        layer,
        className,
        config: layer.getConfig() as Record<string, unknown>,
        inputs,
        inputShapes: node.inputTensors.map((t) => [...t.shape]),
        outputShape: [...node.outputTensors[0].shape],
        base,
        foldedBn: into.get(node),
      };
      outs = [emit(b, call)];
      onLayer?.();
    }
    if (outs.length !== node.outputTensors.length) {
      throw new SavedModelExportError(
        `layer "${layer.name}" (${className}) has ${node.outputTensors.length} outputs; only single-output layers are supported`,
      );
    }
    node.outputTensors.forEach((t, i) => tensors.set(t.id, outs[i]));
  }
  return c.outputs.map((t) => {
    const name = tensors.get(t.id);
    if (name === undefined)
      throw new SavedModelExportError(`model "${c.name}": output ${t.name} was not computed`);
    return name;
  });
}
