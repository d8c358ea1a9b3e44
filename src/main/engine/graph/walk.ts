import type * as tfTypes from '@tensorflow/tfjs';
import { LayerGraphError } from './errors';
import { planFolds, type LayerNode } from './fold';
import type { GraphTarget, LayerCall } from './layer-call';

type Layer = tfTypes.layers.Layer;
type SymbolicTensor = tfTypes.SymbolicTensor;

/** The parts of a functional container (LayersModel, Sequential, a nested model) the walk reads. */
export interface Container {
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
    throw new LayerGraphError(`Sequential model "${c.name}" could not be built (is it empty?)`);
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

/**
 * Every layer call of a functional container in execution order, handed to the target's emitter for
 * its class, feeding `inputNames` to the container's inputs; returns the tensor names of its outputs.
 * Nested models are inlined under "<model name>/"; BatchNorms planned for folding emit nothing (their
 * producer's emitter gets them as `foldedBn`). One walk serves every target format.
 */
export function walkContainer<B>(
  target: GraphTarget<B>,
  b: B,
  c: Container,
  inputNames: string[],
  prefix: string,
  onLayer?: () => void,
  calls = new Map<Layer, number>(),
): string[] {
  if (inputNames.length !== c.inputs.length)
    throw new LayerGraphError(`model "${c.name}" takes ${c.inputs.length} inputs, got ${inputNames.length}`);
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
        throw new LayerGraphError(
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
      outs = walkContainer(target, b, layer, inputs, `${base}/`, onLayer, calls);
    } else {
      const emit = target.emitters[className];
      if (!emit)
        throw new LayerGraphError(`layer "${layer.name}" (${className}) is not supported by ${target.name}`);
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
      throw new LayerGraphError(
        `layer "${layer.name}" (${className}) has ${node.outputTensors.length} outputs; only single-output layers are supported`,
      );
    }
    node.outputTensors.forEach((t, i) => tensors.set(t.id, outs[i]));
  }
  return c.outputs.map((t) => {
    const name = tensors.get(t.id);
    if (name === undefined) throw new LayerGraphError(`model "${c.name}": output ${t.name} was not computed`);
    return name;
  });
}
