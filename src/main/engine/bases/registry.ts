import type { Preprocessing } from '@shared/preprocessing';

export interface BaseEntry {
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
  /** Download size in bytes (weights + model.json), approximate. */
  sizeBytes: number;
  /** ImageNet top-1 accuracy as published for the Keras/tfjs weights. */
  imagenetTop1: number | null;
  /** Folder name of this base inside a local mirror (`../shared/models`, `TRANSFER_STUDIO_MODELS`). */
  mirrorName: string;
  /** Official tfjs layers-model URL (model.json), or null when only Keras weights are published. */
  url: string | null;
  /** Where the official weights come from when they are not in tfjs format, and how to convert them. */
  kerasSource?: { url: string; convert: string };
}

const kerasConvert = (ctor: string, dir: string) =>
  `python -c "import tensorflow as tf, tensorflowjs as tfjs; tfjs.converters.save_keras_model(tf.keras.applications.${ctor}(include_top=False, weights='imagenet', input_shape=(224,224,3)), '${dir}')"`;

/** Known bases. Parameter counts are of the cut base; sizes of the published files. */
export const BASES: readonly BaseEntry[] = [
  {
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
  {
    id: 'resnet50',
    displayName: 'ResNet50',
    inputSize: 224,
    preprocessing: 'caffe',
    featureLayer: 'conv5_block3_out',
    featureShape: [7, 7, 2048],
    params: 23_587_712,
    sizeBytes: 94_700_000,
    imagenetTop1: 0.749,
    mirrorName: 'resnet50',
    url: null,
    kerasSource: {
      url: 'https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
      convert: kerasConvert('ResNet50', 'resnet50'),
    },
  },
  {
    id: 'vgg16',
    displayName: 'VGG16',
    inputSize: 224,
    preprocessing: 'caffe',
    featureLayer: 'block5_pool',
    featureShape: [7, 7, 512],
    params: 14_714_688,
    sizeBytes: 58_900_000,
    imagenetTop1: 0.713,
    mirrorName: 'vgg16',
    url: null,
    kerasSource: {
      url: 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
      convert: kerasConvert('VGG16', 'vgg16'),
    },
  },
  {
    id: 'efficientnetb0',
    displayName: 'EfficientNet B0',
    inputSize: 224,
    preprocessing: 'none',
    featureLayer: 'top_activation',
    featureShape: [7, 7, 1280],
    params: 4_049_571,
    sizeBytes: 16_700_000,
    imagenetTop1: 0.771,
    mirrorName: 'efficientnetb0',
    url: null,
    kerasSource: {
      url: 'https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5',
      convert: kerasConvert('EfficientNetB0', 'efficientnetb0'),
    },
  },
];

export function findBase(id: string): BaseEntry | undefined {
  return BASES.find((b) => b.id === id || b.mirrorName === id);
}
