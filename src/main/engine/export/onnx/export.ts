import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { CodedError } from '@shared/errors';
import type { Preprocessing } from '@shared/preprocessing';
import { WriteError, writeDirAtomic } from '../../../util/write-dir-atomic';
import {
  CLASS_INDEX_NAME,
  compileClassifier,
  INPUT_NAME,
  IR_VERSION,
  OnnxCompileError,
  OPSET,
  PROBABILITIES_NAME,
} from '../../onnx/compiler';

export interface OnnxContent {
  /** The base's input preprocessing, built into the graph so it takes raw 0–255 RGB. */
  preprocessing: Preprocessing;
  classNames: string[];
  /** Extra facts for metadata.json (metrics, training config, app version…). */
  metadata: Record<string, unknown>;
  /** done/total over layer emission, encoding and writing. */
  onProgress?: (done: number, total: number) => void;
}

export interface OnnxExportOptions extends OnnxContent {
  /** The run's output folder: the export goes to `<outDir>/onnx/`, replacing any earlier one atomically. */
  outDir: string;
}

/** A compiled ONNX export, ready to be written into a folder (the export-format registry's row). */
export interface PreparedOnnx {
  bytes: number;
  nodes: number;
  /** Write model.onnx, labels.json and metadata.json into `dir` (an existing, empty folder). */
  write(dir: string): Promise<void>;
}

export interface OnnxExportResult {
  /** The folder written (`<outDir>/onnx`). */
  dir: string;
  /** Size of model.onnx. */
  bytes: number;
  /** Nodes in the graph. */
  nodes: number;
}

/** Anything that stops an ONNX export (unsupported layer, bad options, unwritable folder): one line. */
export class OnnxExportError extends CodedError {
  override name = 'OnnxExportError';
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

export const ONNX_DIR = 'onnx';
export const ONNX_FILE = 'model.onnx';

/**
 * Write `<outDir>/onnx/` with model.onnx (the whole classifier: base + head; input `images` float32
 * [N, H, W, 3] raw 0–255 RGB with the preprocessing inside; outputs `probabilities` [N, classes] and
 * `class_index` [N] int64; class names, input size and preprocessing in metadata_props), labels.json and
 * metadata.json. Built in a temp folder and renamed into place; anything that can be rejected
 * (an unsupported layer, named; a class-count mismatch) is rejected before writing.
 */
export async function exportOnnx(
  model: tfTypes.LayersModel,
  opts: OnnxExportOptions,
): Promise<OnnxExportResult> {
  if (!opts.outDir) throw new OnnxExportError('no output folder given');
  const prepared = prepareOnnx(model, opts);
  const dir = path.resolve(opts.outDir, ONNX_DIR);
  try {
    await writeDirAtomic(dir, (tmp) => prepared.write(tmp));
  } catch (e) {
    throw e instanceof WriteError ? new OnnxExportError(e.message) : e;
  }
  return { dir, bytes: prepared.bytes, nodes: prepared.nodes };
}

/**
 * Compile the classifier and everything written beside it; rejects (OnnxExportError, naming the layer)
 * what ONNX cannot express before anything is written.
 */
export function prepareOnnx(model: tfTypes.LayersModel, opts: OnnxContent): PreparedOnnx {
  try {
    return compileOnnx(model, opts);
  } catch (e) {
    throw e instanceof OnnxCompileError ? new OnnxExportError(e.message) : e;
  }
}

function compileOnnx(model: tfTypes.LayersModel, opts: OnnxContent): PreparedOnnx {
  let total = 0;
  const [h, w] = model.inputs[0]?.shape.slice(1, 3) ?? [];
  const compiled = compileClassifier(
    model,
    opts.preprocessing,
    {
      classNames: JSON.stringify(opts.classNames),
      inputSize: JSON.stringify([h, w]),
      preprocessing: opts.preprocessing,
      input: 'images: float32 [N, height, width, 3], RGB 0-255, preprocessing inside the graph',
    },
    {
      onLayer: (done, layers) => {
        total = layers + 2;
        opts.onProgress?.(done, total);
      },
    },
  );
  if (opts.classNames.length !== compiled.numClasses)
    throw new OnnxCompileError(
      `${opts.classNames.length} class names given for a model with ${compiled.numClasses} outputs`,
    );
  total ||= 2;
  opts.onProgress?.(total - 1, total);
  const nodes = compiled.model.graph.node.length;
  const metadata = {
    ...opts.metadata,
    format: 'onnx',
    file: ONNX_FILE,
    opset: OPSET,
    irVersion: IR_VERSION,
    inputs: { [INPUT_NAME]: { dtype: 'float32', shape: [-1, h, w, 3], range: [0, 255], channels: 'RGB' } },
    outputs: {
      [PROBABILITIES_NAME]: { dtype: 'float32', shape: [-1, compiled.numClasses] },
      [CLASS_INDEX_NAME]: { dtype: 'int64', shape: [-1] },
    },
    classNames: opts.classNames,
    inputSize: [h, w],
    preprocessing: opts.preprocessing,
    preprocessingInGraph: true,
    graph: { nodes, bytes: compiled.bytes.length },
  };
  return {
    bytes: compiled.bytes.length,
    nodes,
    async write(dir) {
      await writeFile(path.join(dir, ONNX_FILE), compiled.bytes);
      await writeFile(path.join(dir, 'labels.json'), `${JSON.stringify(opts.classNames, null, 2)}\n`);
      await writeFile(path.join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
      opts.onProgress?.(total, total);
    },
  };
}
