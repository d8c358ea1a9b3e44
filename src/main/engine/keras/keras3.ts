/**
 * Keras 3 `.keras` files: a zip of `config.json`, `metadata.json` and `model.weights.h5`. The weights file
 * is not laid out by layer name: Keras 3 walks `model.layers` and files each layer under its class name in
 * snake case, numbered per class in model order (`layers/conv2d/vars/0`, `layers/conv2d_1/vars/0`, …;
 * nested models under `layers/functional/layers/…`), each variable by position.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { Group } from 'h5wasm/node';
import { tf } from '../tf';
import { type Json, type JsonObject, KerasConfigError } from './config';
import { getGroup, KerasFileError, readFloatDataset, withH5 } from './h5';
import { assignWeights, type LoadReport, type WeightTarget } from './weights';

export interface KerasArchive {
  config: Json;
  metadata: JsonObject | null;
  /** The `model.weights.h5` bytes. */
  weights: Uint8Array;
}

const isObj = (x: Json | undefined): x is JsonObject =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Read a `.keras` archive's config and weights (the rest — assets — is not used). */
export async function readKerasArchive(file: string): Promise<KerasArchive> {
  const label = path.basename(file);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(await readFile(file)), {
      filter: (f) =>
        ['config.json', 'metadata.json', 'model.weights.h5', 'model.weights.npz'].includes(f.name),
    });
  } catch (e) {
    throw new KerasFileError(`${label} is not a readable .keras archive (${(e as Error).message})`);
  }
  const json = (name: string): Json => {
    try {
      return JSON.parse(new TextDecoder().decode(entries[name])) as Json;
    } catch (e) {
      throw new KerasFileError(`${label}: ${name} is not valid JSON (${(e as Error).message})`);
    }
  };
  if (!entries['config.json'])
    throw new KerasFileError(`${label} has no config.json: not a Keras 3 model file`);
  if (!entries['model.weights.h5'])
    throw new KerasFileError(
      entries['model.weights.npz']
        ? `${label} stores its weights as .npz; only model.weights.h5 is supported`
        : `${label} has no model.weights.h5`,
    );
  const metadata = entries['metadata.json'] ? json('metadata.json') : null;
  return {
    config: json('config.json'),
    metadata: isObj(metadata) ? metadata : null,
    weights: entries['model.weights.h5'],
  };
}

/** Keras' `naming.to_snake_case`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential']);

interface LayerPath {
  name: string;
  path: string;
  /** The nested model's own layer configs, when this layer is a model. */
  nested: Json[] | null;
}

function layersOf(modelConfig: JsonObject): Json[] {
  const c = modelConfig.config;
  const layers = Array.isArray(c) ? c : isObj(c) && Array.isArray(c.layers) ? c.layers : null;
  if (!layers) throw new KerasConfigError(`${String(modelConfig.class_name)} config without layers`);
  return layers;
}

/** Where each layer's variables live, from the config's layer order (what Keras 3 walks when saving). */
export function keras3LayerPaths(layers: Json[], prefix: string): LayerPath[] {
  const used = new Map<string, number>();
  return layers.filter(isObj).map((l) => {
    const cls = String(l.class_name);
    const snake = toSnakeCase(cls);
    const n = used.has(snake) ? used.get(snake)! + 1 : 0;
    used.set(snake, n);
    const key = n === 0 ? snake : `${snake}_${n}`;
    const name = String(l.name ?? (isObj(l.config) ? l.config.name : ''));
    return {
      name,
      path: `${prefix}/${key}`,
      nested: MODEL_CLASSES.has(cls) ? layersOf(l) : null,
    };
  });
}

/** The `vars` group at `p`, also under the Keras 2.13 name `_layer_checkpoint_dependencies`. */
function varsGroup(root: Group, p: string): Group | null {
  for (const candidate of [p, p.replace(/(^|\/)layers(\/|$)/g, '$1_layer_checkpoint_dependencies$2')]) {
    const g = getGroup(root, `${candidate}/vars`);
    if (g) return g;
  }
  return null;
}

function loadLevel(
  root: Group,
  model: tf.LayersModel,
  layers: Json[],
  prefix: string,
  label: string,
  report: LoadReport,
): void {
  const paths = keras3LayerPaths(layers, prefix);
  const byName = new Map(paths.map((p) => [p.name, p]));
  const targets: WeightTarget[] = [];
  for (const layer of model.layers) {
    const p = byName.get(layer.name);
    if (p?.nested && Array.isArray((layer as tf.LayersModel).layers)) {
      loadLevel(root, layer as tf.LayersModel, p.nested, `${p.path}/layers`, label, report);
      continue;
    }
    targets.push({ layer, variables: layer.weights });
  }
  const r = assignWeights(targets, {
    label,
    layerNames: paths
      .filter((p) => !p.nested && (varsGroup(root, p.path)?.keys().length ?? 0) > 0)
      .map((p) => p.name),
    layer: (name) => {
      const p = byName.get(name);
      const g = p ? varsGroup(root, p.path) : null;
      if (!p || !g) return null;
      // Variables are numbered 0..n-1; "10" sorts before "2", so go by number, not by listing order.
      const names = Array.from({ length: g.keys().length }, (_, i) => String(i));
      return {
        names: names.map((n) => `${p.path}/vars/${n}`),
        read: () =>
          names.map((n) => {
            const a = readFloatDataset(g, n);
            if (!a) throw new KerasFileError(`layer "${name}": ${p.path}/vars/${n} is missing in ${label}`);
            return a;
          }),
      };
    },
  });
  report.loaded.push(...r.loaded);
  report.unused.push(...r.unused);
  report.tensors += r.tensors;
}

/** Load a Keras 3 weights file (`model.weights.h5`) into `model`, guided by the Keras 3 model config. */
export function loadKeras3Weights(
  model: tf.LayersModel,
  modelConfig: Json,
  weightsFile: string,
  label = path.basename(weightsFile),
): Promise<LoadReport> {
  if (!isObj(modelConfig)) throw new KerasConfigError('not a Keras model config');
  return withH5(weightsFile, 'r', (f) => {
    const report: LoadReport = { loaded: [], unused: [], tensors: 0 };
    loadLevel(f, model, layersOf(modelConfig), 'layers', label, report);
    return report;
  });
}

/** Run `fn` with the archive's weights written to a temporary file (h5wasm reads files, not buffers). */
export async function withWeightsFile<T>(weights: Uint8Array, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ts-keras-'));
  try {
    const file = path.join(dir, 'model.weights.h5');
    await writeFile(file, weights);
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
