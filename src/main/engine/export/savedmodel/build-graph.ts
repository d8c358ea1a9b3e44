import type * as tfTypes from '@tensorflow/tfjs';
import { GraphBuilder, attr, shapeProto } from './graph-builder';
import { T } from './emit-common';
import { emitPreprocessing, preprocessingRow } from './preprocess';
import { countLayerCalls, walkContainer } from './walk';
import { LayerGraphError } from '../../graph/errors';
import { SavedModelExportError, type GraphDefObj, type Preprocessing, type SignatureDefObj } from './types';

/** Names of the serving signature's tensors (also their node names in the graph). */
export const INPUT_NAME = 'images';
export const PROBABILITIES_NAME = 'probabilities';
export const CLASS_INDEX_NAME = 'class_index';
export const SIGNATURE_KEY = 'serving_default';
export const PREDICT_METHOD = 'tensorflow/serving/predict';

export interface ServingGraph {
  graphDef: GraphDefObj;
  signature: SignatureDefObj;
  /** [height, width, 3] */
  inputShape: [number, number, number];
  numClasses: number;
}

export interface BuildOptions {
  /** Called after each layer call is emitted. */
  onLayer?: (done: number, total: number) => void;
}

function checkModel(model: tfTypes.LayersModel): { h: number; w: number; classes: number } {
  if (model.inputs.length !== 1)
    throw new SavedModelExportError(
      `the model must have one input (an image batch), it has ${model.inputs.length}`,
    );
  if (model.outputs.length !== 1)
    throw new SavedModelExportError(
      `the model must have one output (class probabilities), it has ${model.outputs.length}`,
    );
  const input = model.inputs[0];
  const [, h, w, c] = input.shape;
  if (input.shape.length !== 4 || c !== 3 || !h || !w) {
    throw new SavedModelExportError(
      `the model input must be [batch, height, width, 3] with a known size, got [${input.shape.join(', ')}]`,
    );
  }
  if (input.dtype !== 'float32')
    throw new SavedModelExportError(`the model input must be float32, got ${input.dtype}`);
  const out = model.outputs[0].shape;
  if (out.length !== 2 || !out[1])
    throw new SavedModelExportError(`the model output must be [batch, classes], got [${out.join(', ')}]`);
  return { h, w, classes: out[1] };
}

/**
 * The whole serving graph: Placeholder `images` (raw 0–255 RGB) → preprocessing → every layer as ops
 * with weights as Consts → `probabilities` (Identity of the final Softmax) and `class_index` (ArgMax,
 * int64). Throws SavedModelExportError, naming the layer and its class, for anything unsupported.
 */
export function buildServingGraph(
  model: tfTypes.LayersModel,
  preprocessing: Preprocessing,
  opts: BuildOptions = {},
): ServingGraph {
  preprocessingRow(preprocessing);
  const { h, w, classes } = checkModel(model);
  const b = new GraphBuilder([INPUT_NAME, PROBABILITIES_NAME, CLASS_INDEX_NAME]);
  const images = b.addReserved(INPUT_NAME, 'Placeholder', [], {
    dtype: attr.type('DT_FLOAT'),
    shape: attr.shape([-1, h, w, 3]),
  });
  const x = emitPreprocessing(b, images, preprocessing);

  const total = countLayerCalls(model);
  let done = 0;
  let out: string;
  try {
    [out] = walkContainer(b, model, [x], '', () => opts.onLayer?.(++done, total));
  } catch (e) {
    throw e instanceof LayerGraphError ? new SavedModelExportError(e.message) : e;
  }

  const last = b.nodes.find((n) => n.name === out);
  if (!last || last.op !== 'Softmax') {
    throw new SavedModelExportError(
      `the model output must come from a softmax activation (found ${last ? `op ${last.op}` : 'the input itself'})`,
    );
  }
  const probs = b.addReserved(PROBABILITIES_NAME, 'Identity', [out], T);
  const dim = b.constInt32(`${CLASS_INDEX_NAME}/dimension`, [1], []);
  b.addReserved(CLASS_INDEX_NAME, 'ArgMax', [probs, dim], {
    ...T,
    Tidx: attr.type('DT_INT32'),
    output_type: attr.type('DT_INT64'),
  });

  const signature: SignatureDefObj = {
    inputs: {
      [INPUT_NAME]: { name: `${INPUT_NAME}:0`, dtype: 'DT_FLOAT', tensorShape: shapeProto([-1, h, w, 3]) },
    },
    outputs: {
      [CLASS_INDEX_NAME]: { name: `${CLASS_INDEX_NAME}:0`, dtype: 'DT_INT64', tensorShape: shapeProto([-1]) },
      [PROBABILITIES_NAME]: {
        name: `${PROBABILITIES_NAME}:0`,
        dtype: 'DT_FLOAT',
        tensorShape: shapeProto([-1, classes]),
      },
    },
    methodName: PREDICT_METHOD,
  };
  return { graphDef: b.graphDef(), signature, inputShape: [h, w, 3], numClasses: classes };
}

/** The frozen GraphDef (decoded form) for `model` with `preprocessing` at its input. */
export function buildGraphDef(model: tfTypes.LayersModel, preprocessing: Preprocessing): GraphDefObj {
  return buildServingGraph(model, preprocessing).graphDef;
}
