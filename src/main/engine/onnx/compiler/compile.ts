import type * as tfTypes from '@tensorflow/tfjs';
import { LayerGraphError } from '../../graph/errors';
import { countLayerCalls, walkContainer } from '../../graph/walk';
import type { Preprocessing } from '../../image/preprocess';
import { attr, OnnxBuilder } from './builder';
import { ONNX_TARGET } from './emitters';
import { toNchw, toNhwc } from './layout';
import { ONNX_DTYPE, onnxType } from './onnx-proto';
import { emitPreprocessing } from './preprocess';
import { PREPROCESSING } from '@shared/preprocessing';
import { OnnxCompileError, type DimObj, type ModelObj, type ValueInfoObj } from './types';

/** Opset 17 and IR 8: loads in ORT ≥ 1.15, TensorRT 8.6, onnx ≥ 1.12. */
export const OPSET = 17;
export const IR_VERSION = 8;
export const PRODUCER = 'transfer-studio';
export const BATCH_DIM = 'N';

export interface CompileOptions {
  /** Called after each layer call is emitted. */
  onLayer?: (done: number, total: number) => void;
}

export interface CompiledModel {
  /** model.onnx bytes. */
  bytes: Uint8Array;
  model: ModelObj;
  /** [height, width, 3] */
  inputShape: [number, number, number];
  /** The output's shape without the batch dimension (NHWC for an image tensor). */
  outputShape: number[];
}

function valueInfo(name: string, elemType: number, dims: (number | typeof BATCH_DIM)[]): ValueInfoObj {
  const dim: DimObj[] = dims.map((d) => (d === BATCH_DIM ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function imageInput(model: tfTypes.LayersModel, maxOutputs = 1): [number, number, number] {
  if (model.inputs.length !== 1)
    throw new OnnxCompileError(
      `the model must have one input (an image batch), it has ${model.inputs.length}`,
    );
  if (model.outputs.length < 1 || model.outputs.length > maxOutputs)
    throw new OnnxCompileError(
      maxOutputs === 1
        ? `the model must have one output, it has ${model.outputs.length}`
        : `the model must have 1 to ${maxOutputs} outputs, it has ${model.outputs.length}`,
    );
  const input = model.inputs[0];
  const [, h, w, c] = input.shape;
  if (input.shape.length !== 4 || c !== 3 || !h || !w)
    throw new OnnxCompileError(
      `the model input must be [batch, height, width, 3] with a known size, got [${input.shape.join(', ')}]`,
    );
  if (input.dtype !== 'float32')
    throw new OnnxCompileError(`the model input must be float32, got ${input.dtype}`);
  return [h, w, 3];
}

/** Walk the model from an NHWC tensor; returns its outputs in Keras layout (NHWC if an image). */
function emitLayers(
  b: OnnxBuilder,
  model: tfTypes.LayersModel,
  nhwc: string,
  opts: CompileOptions,
): string[] {
  const total = countLayerCalls(model);
  let done = 0;
  let outs: string[];
  try {
    outs = walkContainer(ONNX_TARGET, b, model, [toNchw(b, 'input_to_nchw', nhwc)], '', () =>
      opts.onLayer?.(++done, total),
    );
  } catch (e) {
    throw e instanceof LayerGraphError ? new OnnxCompileError(e.message) : e;
  }
  return outs.map((out, i) =>
    model.outputs[i].shape.length === 4 ? toNhwc(b, i ? `output_to_nhwc_${i}` : 'output_to_nhwc', out) : out,
  );
}

function finish(
  b: OnnxBuilder,
  name: string,
  inputs: ValueInfoObj[],
  outputs: ValueInfoObj[],
  metadata: Record<string, string>,
  inputShape: [number, number, number],
  outputShape: number[],
): CompiledModel {
  const model: ModelObj = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: PRODUCER,
    producerVersion: '1',
    graph: { node: b.nodes, name, initializer: b.initializers, input: inputs, output: outputs },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  return { bytes: encodeModel(model), model, inputShape, outputShape };
}

/**
 * A frozen base as ONNX: `images` → `features` (the model's output, NHWC as tfjs has it). NCHW inside,
 * one transpose at each edge. `images` is [N, H, W, 3] float32 already preprocessed, or, given
 * `pixels`, uint8 RGB that the graph casts and preprocesses itself (a quarter of the bytes to fill, and
 * the per-pixel arithmetic runs in ORT's vectorised kernels instead of on the JS thread). Throws
 * OnnxCompileError naming the layer and class it cannot compile.
 */
export function compileFeatureModel(
  model: tfTypes.LayersModel,
  opts: CompileOptions = {},
  pixels?: Preprocessing,
): CompiledModel {
  const compiled = compileOutputsModel(model, opts, 1, pixels);
  return { ...compiled, outputShape: compiled.outputShapes[0] };
}

/** The preprocessed NHWC float tensor for `images` of the given kind: raw uint8 pixels, or floats as they are. */
function emitImagesInput(
  b: OnnxBuilder,
  pixels: Preprocessing | undefined,
): { nhwc: string; elemType: number } {
  if (pixels === undefined) return { nhwc: INPUT_NAME, elemType: ONNX_DTYPE.FLOAT };
  const cast = b.op('preprocess/cast', 'Cast', [INPUT_NAME], { to: attr.i(ONNX_DTYPE.FLOAT) });
  const pre = emitPreprocessing(b, cast, pixels);
  if (pre === null)
    throw new OnnxCompileError(
      `unknown preprocessing "${String(pixels)}" (expected one of ${Object.keys(PREPROCESSING).join(', ')})`,
    );
  return { nhwc: pre, elemType: ONNX_DTYPE.UINT8 };
}

/** Output names of `compileOutputsModel`: `features` for a single output, else `output_<i>`. */
export const outputNames = (count: number): string[] =>
  count === 1 ? ['features'] : Array.from({ length: count }, (_, i) => `output_${i}`);

/**
 * A frozen model with one or more outputs as ONNX: `images` ([N, H, W, 3]) → one value per model output
 * (named by `outputNames`), each in Keras layout (NHWC for an image tensor). A BatchNorm whose input is
 * itself an output is not folded, so every output is exactly the tensor the layers model computes.
 */
export function compileOutputsModel(
  model: tfTypes.LayersModel,
  opts: CompileOptions = {},
  maxOutputs = 64,
  pixels?: Preprocessing,
): Omit<CompiledModel, 'outputShape'> & { outputShapes: number[][]; outputNames: string[] } {
  const [h, w] = imageInput(model, maxOutputs);
  const names = outputNames(model.outputs.length);
  const shapes = model.outputs.map((o) => o.shape.slice(1));
  for (const shape of shapes)
    if (shape.some((d) => !d))
      throw new OnnxCompileError(`the output shape [${shape.join(', ')}] is not fully known`);
  const b = new OnnxBuilder([INPUT_NAME, ...names]);
  const input = emitImagesInput(b, pixels);
  const outs = emitLayers(b, model, input.nhwc, opts);
  outs.forEach((out, i) => b.op(names[i], 'Identity', [out], {}, names[i]));
  const compiled = finish(
    b,
    model.name,
    [valueInfo(INPUT_NAME, input.elemType, [BATCH_DIM, h, w, 3])],
    names.map((n, i) => valueInfo(n, ONNX_DTYPE.FLOAT, [BATCH_DIM, ...(shapes[i] as number[])])),
    {},
    [h, w, 3],
    shapes[0] as number[],
  );
  return {
    bytes: compiled.bytes,
    model: compiled.model,
    inputShape: compiled.inputShape,
    outputShapes: shapes as number[][],
    outputNames: names,
  };
}

export const INPUT_NAME = 'images';
export const PROBABILITIES_NAME = 'probabilities';
export const CLASS_INDEX_NAME = 'class_index';

/**
 * A whole classifier as ONNX with the SavedModel export's contract: `images` raw 0–255 RGB
 * [N, H, W, 3] with the base's preprocessing in the graph → `probabilities` [N, classes] (float32) and
 * `class_index` [N] (int64). `metadata` goes to metadata_props.
 */
export function compileClassifier(
  model: tfTypes.LayersModel,
  preprocessing: Preprocessing,
  metadata: Record<string, string> = {},
  opts: CompileOptions = {},
): CompiledModel & { numClasses: number } {
  const [h, w] = imageInput(model);
  const outShape = model.outputs[0].shape;
  const classes = outShape[1];
  if (outShape.length !== 2 || !classes)
    throw new OnnxCompileError(`the model output must be [batch, classes], got [${outShape.join(', ')}]`);
  const b = new OnnxBuilder([INPUT_NAME, PROBABILITIES_NAME, CLASS_INDEX_NAME]);
  const pre = emitPreprocessing(b, INPUT_NAME, preprocessing);
  if (pre === null)
    throw new OnnxCompileError(
      `unknown preprocessing "${String(preprocessing)}" (expected one of ${Object.keys(PREPROCESSING).join(', ')})`,
    );
  const [out] = emitLayers(b, model, pre, opts);
  const producer = b.producers.get(out);
  if (producer !== 'Softmax')
    throw new OnnxCompileError(
      `the model output must come from a softmax activation (found ${producer ? `op ${producer}` : 'the input itself'})`,
    );
  b.op(PROBABILITIES_NAME, 'Identity', [out], {}, PROBABILITIES_NAME);
  b.op(
    CLASS_INDEX_NAME,
    'ArgMax',
    [PROBABILITIES_NAME],
    { axis: attr.i(1), keepdims: attr.i(0) },
    CLASS_INDEX_NAME,
  );
  const compiled = finish(
    b,
    model.name,
    [valueInfo(INPUT_NAME, ONNX_DTYPE.FLOAT, [BATCH_DIM, h, w, 3])],
    [
      valueInfo(PROBABILITIES_NAME, ONNX_DTYPE.FLOAT, [BATCH_DIM, classes]),
      valueInfo(CLASS_INDEX_NAME, ONNX_DTYPE.INT64, [BATCH_DIM]),
    ],
    metadata,
    [h, w, 3],
    [classes],
  );
  return { ...compiled, numClasses: classes };
}

/** Serialise a ModelProto. Same object → same bytes. */
export function encodeModel(model: ModelObj): Uint8Array {
  const type = onnxType('ModelProto');
  return type.encode(type.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/** Parse model.onnx bytes into the plain-object form. */
export function decodeModel(bytes: Uint8Array): ModelObj {
  const type = onnxType('ModelProto');
  let msg;
  try {
    msg = type.decode(bytes);
  } catch (e) {
    throw new OnnxCompileError(`not an ONNX ModelProto: ${(e as Error).message}`);
  }
  return type.toObject(msg, { longs: Number, bytes: Uint8Array }) as ModelObj;
}
