import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeDirAtomic } from '../../../util/write-dir-atomic';
import type * as tfTypes from '@tensorflow/tfjs';
import {
  CLASS_INDEX_NAME,
  INPUT_NAME,
  PROBABILITIES_NAME,
  SIGNATURE_KEY,
  buildServingGraph,
} from './build-graph';
import { SERVE_TAG, encodeSavedModel, savedModelObject } from './codec';
import { GRAPH_PRODUCER } from './graph-builder';
import { SavedModelExportError, type Preprocessing } from './types';

/** What goes into a SavedModel besides the model: its preprocessing, labels and metadata. */
export interface SavedModelContent {
  /** The base's input preprocessing, baked into the graph so it takes raw 0–255 RGB. */
  preprocessing: Preprocessing;
  classNames: string[];
  /** Extra facts for metadata.json (metrics, training config, app version…). */
  metadata: Record<string, unknown>;
  /** done/total over layer emission, encoding and writing. */
  onProgress?: (done: number, total: number) => void;
}

export interface SavedModelExportOptions extends SavedModelContent {
  /** Parent folder; the export goes to `<outDir>/<name>/<version>/`. */
  outDir: string;
  name: string;
  /** TF Serving version folder, default 1. An existing folder is replaced once the new one is complete. */
  version?: number;
}

export interface SavedModelExportResult {
  /** The version folder written. */
  dir: string;
  /** Size of saved_model.pb. */
  bytes: number;
  /** Nodes in the GraphDef. */
  nodes: number;
}

/** A SavedModel built and encoded in memory, ready to be written into a folder. */
export interface PreparedSavedModel {
  bytes: number;
  nodes: number;
  /** Write saved_model.pb, variables/ and assets.extra/ into `dir` (an existing, empty folder). */
  write(dir: string): Promise<void>;
}

function checkOptions(opts: SavedModelExportOptions): number {
  const version = opts.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 0)
    throw new SavedModelExportError(`version must be a non-negative integer, got ${version}`);
  if (!opts.name || opts.name === '.' || opts.name === '..' || /[/\\]/.test(opts.name)) {
    throw new SavedModelExportError(`invalid model name "${opts.name}" (needs a plain folder name)`);
  }
  if (!opts.outDir) throw new SavedModelExportError('no output folder given');
  return version;
}

/**
 * Build and encode the serving graph: everything that can be rejected (an unsupported layer, a
 * non-softmax output, class names that do not match) is rejected here, before anything is written.
 */
export function prepareSavedModel(model: tfTypes.LayersModel, o: SavedModelContent): PreparedSavedModel {
  let total = 0;
  const graph = buildServingGraph(model, o.preprocessing, {
    onLayer: (done, layers) => {
      total = layers + 2;
      o.onProgress?.(done, total);
    },
  });
  if (o.classNames.length !== graph.numClasses) {
    throw new SavedModelExportError(
      `${o.classNames.length} class names given for a model with ${graph.numClasses} outputs`,
    );
  }
  const pb = encodeSavedModel(savedModelObject(graph));
  total ||= 2;
  o.onProgress?.(total - 1, total);

  const nodes = graph.graphDef.node.length;
  const [h, w] = graph.inputShape;
  const metadata = {
    ...o.metadata,
    format: 'tensorflow-saved-model',
    signature: SIGNATURE_KEY,
    tags: [SERVE_TAG],
    inputs: { [INPUT_NAME]: { dtype: 'float32', shape: [-1, h, w, 3], range: [0, 255], channels: 'RGB' } },
    outputs: {
      [PROBABILITIES_NAME]: { dtype: 'float32', shape: [-1, graph.numClasses] },
      [CLASS_INDEX_NAME]: { dtype: 'int64', shape: [-1] },
    },
    classNames: o.classNames,
    inputSize: [h, w],
    preprocessing: o.preprocessing,
    preprocessingInGraph: true,
    graph: { nodes, producer: GRAPH_PRODUCER, bytes: pb.length },
  };
  return {
    bytes: pb.length,
    nodes,
    async write(dir) {
      await writeFile(path.join(dir, 'saved_model.pb'), pb);
      await mkdir(path.join(dir, 'variables'));
      await mkdir(path.join(dir, 'assets.extra'));
      await writeFile(
        path.join(dir, 'assets.extra', 'labels.json'),
        `${JSON.stringify(o.classNames, null, 2)}\n`,
      );
      await writeFile(
        path.join(dir, 'assets.extra', 'metadata.json'),
        `${JSON.stringify(metadata, null, 2)}\n`,
      );
      o.onProgress?.(total, total);
    },
  };
}

/**
 * Write `<outDir>/<name>/<version>/` with saved_model.pb (frozen graph, `serve` tag, `serving_default`
 * signature), an empty variables/ folder, and assets.extra/{labels,metadata}.json. The folder is built
 * under a hidden temp name beside it and renamed into place, so TF Serving (which polls for numeric
 * folders) never sees a partial export. Everything that can be rejected is rejected before writing.
 */
export async function exportSavedModel(
  model: tfTypes.LayersModel,
  opts: SavedModelExportOptions,
): Promise<SavedModelExportResult> {
  const version = checkOptions(opts);
  const prepared = prepareSavedModel(model, opts);
  const target = path.join(path.resolve(opts.outDir, opts.name), String(version));
  await writeDirAtomic(target, (tmp) => prepared.write(tmp));
  return { dir: target, bytes: prepared.bytes, nodes: prepared.nodes };
}
