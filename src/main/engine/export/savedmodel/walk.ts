import type { GraphBuilder } from './graph-builder';
import { EMITTERS } from './emitters';
import type { GraphTarget } from '../../graph/layer-call';
import { countLayerCalls, isContainer, walkContainer as walkGraph, type Container } from '../../graph/walk';

/** The SavedModel (TensorFlow GraphDef) target of the one layer-graph walker in engine/graph. */
export const SAVEDMODEL_TARGET: GraphTarget<GraphBuilder> = {
  name: 'the SavedModel export',
  emitters: EMITTERS,
};

export { countLayerCalls, isContainer };

/** Emit the TensorFlow ops of a functional container; returns the tensor names of its outputs. */
export function walkContainer(
  b: GraphBuilder,
  c: Container,
  inputNames: string[],
  prefix: string,
  onLayer?: () => void,
): string[] {
  return walkGraph(SAVEDMODEL_TARGET, b, c, inputNames, prefix, onLayer);
}
