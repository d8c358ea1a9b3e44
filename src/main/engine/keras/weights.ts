/**
 * Keras 2 HDF5 weights (`model.save` → group `model_weights`; `save_weights` → the root), loaded as Keras
 * loads them: layers by name, and within a layer by position in the order of its `weight_names` attribute
 * — never by weight name (2016 files say `block1_conv1_W_1:0`) nor by the datasets' alphabetical order.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Group } from 'h5wasm/node';
import { tf } from '../tf';
import {
  ensureGroup,
  type FloatArray,
  getGroup,
  KerasFileError,
  readFloatDataset,
  readNameList,
  readStringAttr,
  withH5,
  writeBytesAttr,
  writeFloatDataset,
  writeNameList,
} from './h5';

/** One layer's stored weights, in the order the layer expects them. */
export interface StoredLayer {
  names: string[];
  read: () => FloatArray[];
}

/** Where a model's weights come from: a Keras 2 layer group, a Keras 3 `vars` group, … */
export interface WeightSource {
  /** Shown in errors (the file's base name). */
  label: string;
  layer: (name: string) => StoredLayer | null;
  /** Layers in the file that carry weights (to report the ones the model did not use). */
  layerNames: string[];
}

export interface LoadReport {
  /** Layers whose weights were set. */
  loaded: string[];
  /** Layers with weights in the file that the model has no layer for (Keras' by-name loading skips them). */
  unused: string[];
  /** Number of weight tensors set. */
  tensors: number;
}

const fmt = (shape: readonly (number | null)[]) => `[${shape.join(',')}]`;

export type LayerVariable = tf.layers.Layer['weights'][number];

const isContainer = (l: tf.layers.Layer): l is tf.LayersModel => Array.isArray((l as tf.LayersModel).layers);

/** A layer's own trainable weights as Keras 2 lists them (none when frozen). */
const trainableOf = (l: tf.layers.Layer): LayerVariable[] =>
  !l.trainable ? [] : isContainer(l) ? l.layers.flatMap(trainableOf) : l.trainableWeights;
const nonTrainableOf = (l: tf.layers.Layer): LayerVariable[] =>
  !l.trainable ? legacyWeights(l) : isContainer(l) ? l.layers.flatMap(nonTrainableOf) : l.nonTrainableWeights;

/**
 * A layer's weights in the order Keras 2 saves them in HDF5 (`trainable_weights + non_trainable_weights`).
 * For a plain layer this is tfjs' own order; a nested model differs: trainable, it lists all its layers'
 * trainable weights then all non-trainable ones; frozen, it lists them layer by layer.
 */
export function legacyWeights(layer: tf.layers.Layer): LayerVariable[] {
  if (!isContainer(layer)) return layer.weights;
  if (!layer.trainable) return layer.layers.flatMap(legacyWeights);
  return [...layer.layers.flatMap(trainableOf), ...layer.layers.flatMap(nonTrainableOf)];
}

export interface WeightTarget {
  layer: tf.layers.Layer;
  /** The variables to set, in the order the file stores them. */
  variables: LayerVariable[];
}

/** Set each target's variables from `source`; any mismatch throws naming the layer and both shapes. */
export function assignWeights(targets: WeightTarget[], source: WeightSource): LoadReport {
  const loaded: string[] = [];
  let tensors = 0;
  for (const { layer, variables: expected } of targets) {
    if (expected.length === 0) continue;
    const stored = source.layer(layer.name);
    if (!stored)
      throw new KerasFileError(
        `layer "${layer.name}" (${layer.getClassName()}, ${expected.length} weights) is not in ${source.label}`,
      );
    if (stored.names.length !== expected.length)
      throw new KerasFileError(
        `layer "${layer.name}": ${source.label} has ${stored.names.length} weights (${stored.names.join(', ')}) ` +
          `but the model expects ${expected.length} (${expected.map((w) => `${w.originalName} ${fmt(w.shape)}`).join(', ')})`,
      );
    const arrays = stored.read();
    arrays.forEach((a, i) => {
      const want = expected[i].shape;
      if (a.shape.length !== want.length || a.shape.some((d, k) => d !== want[k]))
        throw new KerasFileError(
          `layer "${layer.name}": weight ${i} ("${stored.names[i]}") has shape ${fmt(a.shape)} in ${source.label} ` +
            `but the model expects ${fmt(want)} (${expected[i].originalName})`,
        );
    });
    // Every shape is checked before any variable changes, so a bad file leaves the layer as it was.
    arrays.forEach((a, i) => {
      const t = tf.tensor(a.data, a.shape, 'float32');
      try {
        expected[i].write(t);
      } finally {
        t.dispose();
      }
    });
    loaded.push(layer.name);
    tensors += arrays.length;
  }
  const used = new Set(loaded);
  return { loaded, unused: source.layerNames.filter((n) => !used.has(n)), tensors };
}

export interface KerasH5Info {
  /** `model` for `model.save` files (weights under `model_weights`), `weights` for `save_weights` files. */
  layout: 'model' | 'weights';
  kerasVersion: string | null;
  backend: string | null;
  /** All layers the file lists, in model order (including those without weights). */
  layerNames: string[];
}

/** The group holding the layer groups, and the file's Keras metadata. */
function weightsRoot(root: Group, file: string): { group: Group; info: KerasH5Info } {
  const modelWeights = getGroup(root, 'model_weights');
  const hasNames = (g: Group) => readNameList(g, 'layer_names') !== null;
  let group: Group;
  let layout: KerasH5Info['layout'];
  if (hasNames(root)) [group, layout] = [root, 'weights'];
  else if (modelWeights && hasNames(modelWeights)) [group, layout] = [modelWeights, 'model'];
  else if (getGroup(root, 'layers') || getGroup(root, '_layer_checkpoint_dependencies'))
    throw new KerasFileError(
      `${path.basename(file)} is a Keras 3 weights file (layers/…/vars); load it through its .keras model`,
    );
  else
    throw new KerasFileError(
      `${path.basename(file)} is not a Keras HDF5 weights file (no layer_names attribute, no model_weights group)`,
    );
  return {
    group,
    info: {
      layout,
      kerasVersion: readStringAttr(group, 'keras_version') ?? readStringAttr(root, 'keras_version'),
      backend: readStringAttr(group, 'backend') ?? readStringAttr(root, 'backend'),
      layerNames: readNameList(group, 'layer_names') ?? [],
    },
  };
}

/** A Keras 2 layer group source over an open file (valid until the file closes). */
function keras2Source(group: Group, info: KerasH5Info, file: string): WeightSource {
  const label = path.basename(file);
  const listed = new Set(info.layerNames);
  const weighted = info.layerNames.filter((n) => {
    const g = getGroup(group, n);
    return g !== null && (readNameList(g, 'weight_names') ?? []).length > 0;
  });
  return {
    label,
    layerNames: weighted,
    layer: (name) => {
      if (!listed.has(name)) return null;
      const g = getGroup(group, name);
      if (!g) throw new KerasFileError(`${label} lists layer "${name}" but has no group for it`);
      const names = readNameList(g, 'weight_names') ?? [];
      return {
        names,
        read: () =>
          names.map((n) => {
            const a = readFloatDataset(g, n);
            if (!a)
              throw new KerasFileError(`layer "${name}": weight "${n}" is listed but missing in ${label}`);
            return a;
          }),
      };
    },
  };
}

/** Read a Keras 2 `.h5` file's layout and metadata. */
export function readKerasH5Info(file: string): Promise<KerasH5Info> {
  return withH5(file, 'r', (f) => weightsRoot(f, file).info);
}

/**
 * Keras' topological loading (`model.load_weights(file)` without `by_name`): the k-th layer holding
 * weights in the model takes the k-th layer holding weights in the file, whatever either is named —
 * how Keras loads the notop files whose layers its sources leave unnamed (InceptionV3, Xception).
 */
function byPosition(targets: WeightTarget[], source: WeightSource): WeightSource {
  const weighted = targets.filter((t) => t.variables.length > 0);
  if (weighted.length !== source.layerNames.length)
    throw new KerasFileError(
      `${source.label} has ${source.layerNames.length} layers with weights but the model has ${weighted.length}; ` +
        `loading in layer order needs the same architecture`,
    );
  const fileName = new Map(weighted.map((t, i) => [t.layer.name, source.layerNames[i]]));
  return {
    label: source.label,
    layerNames: weighted.map((t) => t.layer.name),
    layer: (name) => {
      const stored = fileName.has(name) ? source.layer(fileName.get(name)!) : null;
      // Shape errors name the model's layer; say which file layer it was paired with.
      return stored && { ...stored, names: stored.names.map((n) => `${fileName.get(name)}/${n}`) };
    },
  };
}

export interface LoadWeightsOptions {
  /**
   * true (default): layers by name, as `load_weights(file, by_name=True)`; false: in layer order, as
   * `load_weights(file)` (see byPosition).
   */
  byName?: boolean;
}

/**
 * Load a Keras 2 HDF5 file's weights (either layout) into `model`, as `model.load_weights(file, by_name=True)`
 * does (or in layer order: `byName: false`). Theano-backend kernels (flipped convolutions) are refused
 * rather than silently loaded wrong.
 */
export function loadKerasWeights(
  model: tf.LayersModel,
  file: string,
  opts: LoadWeightsOptions = {},
): Promise<LoadReport & KerasH5Info> {
  return withH5(file, 'r', (f) => {
    const { group, info } = weightsRoot(f, file);
    if (info.backend === 'theano')
      throw new KerasFileError(
        `${path.basename(file)} was saved with the Theano backend (flipped convolution kernels); use the TensorFlow-ordered file`,
      );
    const targets = model.layers.map((layer) => ({ layer, variables: legacyWeights(layer) }));
    const source = keras2Source(group, info, file);
    return {
      ...info,
      ...assignWeights(targets, opts.byName === false ? byPosition(targets, source) : source),
    };
  });
}

export interface WriteWeightsOptions {
  /** The name stored for a weight (default: its tfjs name + `:0`, as TF-Keras 2 names it). */
  weightName?: (layer: tf.layers.Layer, index: number) => string;
  /** The name stored for a layer (default: its tfjs name), e.g. the names another Keras version gave. */
  layerName?: (layer: tf.layers.Layer, index: number) => string;
  kerasVersion?: string;
}

function writeLayerGroups(group: Group, model: tf.LayersModel, opts: WriteWeightsOptions): void {
  const named = model.layers.map((layer, i) => ({ layer, name: opts.layerName?.(layer, i) ?? layer.name }));
  writeNameList(
    group,
    'layer_names',
    named.map((l) => l.name),
  );
  writeBytesAttr(group, 'backend', 'tensorflow');
  writeBytesAttr(group, 'keras_version', opts.kerasVersion ?? '2.12.0');
  // Keras sorts layer groups by name so a name never collides with another's prefix group; a name
  // with '/' (DenseNet's `conv1/conv`) is a nested group, as h5py makes it.
  for (const { layer, name } of named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const g = ensureGroup(group, name);
    const weights = legacyWeights(layer);
    const names = weights.map((w, i) => opts.weightName?.(layer, i) ?? `${w.originalName}:0`);
    writeNameList(g, 'weight_names', names);
    weights.forEach((w, i) => {
      const t = w.read();
      writeFloatDataset(g, names[i], w.shape as number[], t.dataSync() as Float32Array);
    });
  }
}

async function writeAtomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await write(tmp);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Write `model`'s weights in Keras 2's weights-only layout (`model.save_weights('x.h5')`), atomically. */
export function writeKerasWeights(
  model: tf.LayersModel,
  file: string,
  opts: WriteWeightsOptions = {},
): Promise<void> {
  return writeAtomically(file, (tmp) => withH5(tmp, 'w', (f) => writeLayerGroups(f, model, opts)));
}

/**
 * Write `model` as Keras 2's full-model layout (`model.save('x.h5')` without optimizer): root attrs
 * `model_config` (the model JSON), `keras_version`, `backend`; weights under `model_weights`.
 */
export function writeKerasModelH5(
  model: tf.LayersModel,
  file: string,
  opts: WriteWeightsOptions = {},
): Promise<void> {
  return writeAtomically(file, (tmp) =>
    withH5(tmp, 'w', (f) => {
      const json = model.toJSON(null, false) as { class_name: string; config: unknown };
      writeBytesAttr(f, 'keras_version', opts.kerasVersion ?? '2.12.0');
      writeBytesAttr(f, 'backend', 'tensorflow');
      // h5py stores Python bytes as variable-length ASCII; the bytes are UTF-8 JSON.
      writeBytesAttr(f, 'model_config', JSON.stringify({ class_name: json.class_name, config: json.config }));
      writeLayerGroups(f.create_group('model_weights'), model, opts);
    }),
  );
}
