/**
 * The pretrained bases, as a data table (tfjs-models' MODEL_INFO style): one row per base, each naming
 * its family; `bases/families.ts` has one loader per family. Pure data: main reads it to draw the cards
 * without loading tfjs.
 */
import type { Preprocessing } from '@shared/preprocessing';
import { KERAS_APPLICATIONS, type KerasApplicationInfo } from '../keras/applications/table';

/**
 * Where a base's weights come from. Registry rows are `tfjs-download` or `keras-application`; a user's
 * own model is a `keras-file` (.h5 / .keras, imported once into the model cache) or a `tfjs-folder`.
 */
export type BaseFamily = 'tfjs-download' | 'keras-application' | 'keras-file' | 'tfjs-folder';

interface BaseRow {
  id: string;
  displayName: string;
  /** Square input side in pixels. */
  inputSize: number;
  preprocessing: Preprocessing;
  /** Layer whose output is the feature map (Keras `include_top=False`). */
  featureLayer: string;
  /** Feature map shape without batch. */
  featureShape: [number, number, number];
  /** Parameters up to the feature layer. */
  params: number;
  /** Download size in bytes, approximate. */
  sizeBytes: number;
  /** ImageNet top-1 accuracy as published for the Keras/tfjs weights. */
  imagenetTop1: number | null;
  /** Folder name of this base (a tfjs layers model) inside a local mirror (`../shared/models`, `TRANSFER_STUDIO_MODELS`). */
  mirrorName: string;
}

/** A tfjs layers model (model.json + shards) published for download. */
export interface TfjsDownloadBase extends BaseRow {
  family: 'tfjs-download';
  /** Official model.json URL. */
  url: string;
}

/** A Keras application: K2's architecture builder + Keras' official notop `.h5`, hash-verified. */
export interface KerasApplicationBase extends BaseRow {
  family: 'keras-application';
  architecture: KerasApplicationInfo['architecture'];
  weights: {
    url: string;
    /** Its name in Keras' cache, and in a mirror as `keras/<fileName>`. */
    fileName: string;
    /** The `file_hash` Keras checks (md5 for these files). */
    fileHash: string;
  };
  /** false: load in layer order, as Keras does for files whose layers its source leaves unnamed. */
  weightsByName: boolean;
}

export type BaseEntry = TfjsDownloadBase | KerasApplicationBase;

const TFJS_ROWS: TfjsDownloadBase[] = [
  {
    family: 'tfjs-download',
    id: 'mobilenet_v1_0.25_224',
    displayName: 'MobileNet v1 0.25',
    inputSize: 224,
    preprocessing: 'tf',
    featureLayer: 'conv_pw_13_relu',
    featureShape: [7, 7, 256],
    params: 218_544,
    sizeBytes: 1_960_000,
    imagenetTop1: 0.498,
    mirrorName: 'mobilenet_v1_0.25_224',
    url: 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json',
  },
  {
    family: 'tfjs-download',
    id: 'mobilenet_v1_0.50_224',
    displayName: 'MobileNet v1 0.50',
    inputSize: 224,
    preprocessing: 'tf',
    featureLayer: 'conv_pw_13_relu',
    featureShape: [7, 7, 512],
    params: 829_536,
    sizeBytes: 5_500_000,
    imagenetTop1: 0.633,
    mirrorName: 'mobilenet_v1_0.50_224',
    url: 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.50_224/model.json',
  },
  {
    family: 'tfjs-download',
    id: 'mobilenet_v1_1.0_224',
    displayName: 'MobileNet v1 1.0',
    inputSize: 224,
    preprocessing: 'tf',
    featureLayer: 'conv_pw_13_relu',
    featureShape: [7, 7, 1024],
    params: 3_228_864,
    sizeBytes: 17_000_000,
    imagenetTop1: 0.709,
    mirrorName: 'mobilenet_v1_1.0_224',
    url: 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_1.0_224/model.json',
  },
  {
    family: 'tfjs-download',
    id: 'mobilenet_v2_0.35_224',
    displayName: 'MobileNetV2 0.35',
    inputSize: 224,
    preprocessing: 'tf',
    featureLayer: 'out_relu',
    featureShape: [7, 7, 1280],
    params: 410_208,
    sizeBytes: 1_740_000,
    imagenetTop1: 0.603,
    mirrorName: 'mobilenet_v2_0.35_224_no_top',
    url: 'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json',
  },
  {
    // Keras' own file for these weights has no file_hash in keras.applications, so this base stays a
    // tfjs download (Teachable Machine's copy of the same Keras weights): see README "Bases".
    family: 'tfjs-download',
    id: 'mobilenet_v2_1.0_224',
    displayName: 'MobileNetV2 1.0',
    inputSize: 224,
    preprocessing: 'tf',
    featureLayer: 'out_relu',
    featureShape: [7, 7, 1280],
    params: 2_257_984,
    sizeBytes: 9_400_000,
    imagenetTop1: 0.713,
    mirrorName: 'mobilenet_v2_1.0_224_no_top',
    url: 'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top/model.json',
  },
];

/** A Keras application row as a base; only rows whose file Keras verifies (a file_hash) are offered. */
function kerasRow(a: KerasApplicationInfo): KerasApplicationBase | null {
  if (!a.weights.fileHash) return null;
  return {
    family: 'keras-application',
    id: a.id,
    displayName: a.displayName,
    inputSize: a.inputSize,
    preprocessing: a.preprocessing,
    featureLayer: a.featureLayer,
    featureShape: a.featureShape,
    params: a.params,
    sizeBytes: a.sizeBytes,
    imagenetTop1: a.imagenetTop1,
    mirrorName: a.id,
    architecture: a.architecture,
    weights: { url: a.weights.url, fileName: a.weights.fileName, fileHash: a.weights.fileHash },
    weightsByName: a.weightsByName,
  };
}

/** Known bases: the tfjs downloads, then the Keras applications (VGG16 … EfficientNet B3). */
export const BASES: readonly BaseEntry[] = [
  ...TFJS_ROWS,
  ...KERAS_APPLICATIONS.map(kerasRow).filter((b): b is KerasApplicationBase => b !== null),
];

export function findBase(id: string): BaseEntry | undefined {
  return BASES.find((b) => b.id === id || b.mirrorName === id);
}
