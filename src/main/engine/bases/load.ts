import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileModelHandler, ModelLoadError } from '../model/io';
import { Preprocessing, preprocessingSpec } from '@shared/preprocessing';
import { tf } from '../tf';
import type { ResolvedBase } from './types';
// Registered here so every process that loads a base (run and extraction workers too) knows EfficientNet's layer.
import '../keras/applications/normalization';

/** A pretrained base cut at its feature layer. */
export interface FeatureBase {
  id: string;
  displayName: string;
  dir: string;
  inputSize: [number, number];
  preprocessing: Preprocessing;
  featureLayer: string;
  featureShape: number[];
  /** Identifies weights + cut point + input: part of every feature-cache key. */
  fingerprint: string;
  /** Input → feature map. Its layers are the pretrained model's own (shared, not copies). */
  model: tf.LayersModel;
  /** The whole pretrained model as loaded. */
  full: tf.LayersModel;
}

interface Sidecar {
  preprocessing?: Preprocessing;
  featureLayer?: string;
  displayName?: string;
}

const rank4 = (shape: (number | null)[] | (number | null)[][]) => Array.isArray(shape) && shape.length === 4;

/**
 * Where to cut a user-supplied model: the feature map that feeds its first global pooling or flatten
 * (the `include_top=False` point of a classifier), else its last 4-D output.
 */
export function guessFeatureLayer(model: tf.LayersModel): string {
  const pooling = model.layers.find((l) =>
    /^(GlobalAveragePooling2D|GlobalMaxPooling2D|Flatten)$/.test(l.getClassName()),
  );
  const feeding = pooling?.inboundNodes[0]?.inboundLayers[0];
  if (feeding && rank4(feeding.outputShape as (number | null)[])) return feeding.name;
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const l = model.layers[i];
    if (rank4(l.outputShape as (number | null)[])) return l.name;
  }
  throw new ModelLoadError(`model ${model.name} has no 4-D feature map to cut at`);
}

export async function loadBase(resolved: ResolvedBase): Promise<FeatureBase> {
  const artifacts = await fileModelHandler(resolved.dir).load!();
  const sidecar: Sidecar = await readFile(path.join(resolved.dir, 'transfer-studio.json'), 'utf8')
    .then((s) => JSON.parse(s) as Sidecar)
    .catch(() => ({}));
  if (sidecar.preprocessing !== undefined && !preprocessingSpec(sidecar.preprocessing))
    throw new ModelLoadError(
      `unknown preprocessing "${sidecar.preprocessing}" in ${path.join(resolved.dir, 'transfer-studio.json')} (expected one of ${Preprocessing.options.join(', ')})`,
    );
  const full = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const entry = resolved.entry;
  const featureLayer = entry?.featureLayer ?? sidecar.featureLayer ?? guessFeatureLayer(full);
  let layer: tf.layers.Layer;
  try {
    layer = full.getLayer(featureLayer);
  } catch {
    throw new ModelLoadError(`feature layer "${featureLayer}" not found in ${resolved.dir}`);
  }
  const model = tf.model({
    inputs: full.inputs,
    outputs: layer.output as tf.SymbolicTensor,
    name: `${full.name}_features`,
  });
  const inShape = full.inputs[0].shape;
  const inputSize: [number, number] = [inShape[1] ?? 224, inShape[2] ?? 224];
  const featureShape = (model.outputs[0].shape as number[]).slice(1);
  const hash = createHash('sha256');
  hash.update(Buffer.from(artifacts.weightData as ArrayBuffer));
  hash.update(`|${featureLayer}|${inputSize.join('x')}`);
  return {
    id: entry?.id ?? path.basename(resolved.dir),
    displayName: entry?.displayName ?? sidecar.displayName ?? path.basename(resolved.dir),
    dir: resolved.dir,
    inputSize,
    preprocessing: entry?.preprocessing ?? sidecar.preprocessing ?? 'tf',
    featureLayer,
    featureShape,
    fingerprint: hash.digest('hex').slice(0, 16),
    model,
    full,
  };
}
