import type { Preprocessing } from '../../image/preprocess';

/**
 * One Keras application as a pretrained base (tfjs-models `MODEL_INFO` style: data, no code).
 * Everything is read from Keras' own sources (`keras/applications/*.py`, tf.keras 2.x; the hashes are
 * unchanged in Keras 3) and the keras.io applications table.
 */
export interface KerasApplicationInfo {
  /** Registry id. */
  id: string;
  displayName: string;
  /** The `keras.applications` constructor; also the key of the builder table (ARCHITECTURES). */
  architecture:
    | 'VGG16'
    | 'VGG19'
    | 'ResNet50'
    | 'ResNet50V2'
    | 'InceptionV3'
    | 'Xception'
    | 'DenseNet121'
    | 'EfficientNetB0'
    | 'EfficientNetB1'
    | 'EfficientNetB2'
    | 'EfficientNetB3'
    | 'MobileNetV2';
  /** Square input side Keras builds and trained it at. */
  inputSize: number;
  /**
   * The family's `preprocess_input` mode: 'caffe' (RGB→BGR, minus the ImageNet mean), 'tf' (x/127.5 − 1),
   * 'torch' (x/255, minus mean, over std), 'none' (EfficientNet normalises inside the model).
   */
  preprocessing: Preprocessing;
  /** The `include_top=False` output layer. */
  featureLayer: string;
  /** Its output shape at `inputSize`, without the batch dimension. */
  featureShape: [number, number, number];
  /** `model.count_params()` of the notop model (trainable and not). */
  params: number;
  /** ImageNet top-1 accuracy as keras.io's applications table gives it. */
  imagenetTop1: number;
  /** Bytes of the notop weight file (as `get_file` reports them when downloading). */
  sizeBytes: number;
  weights: {
    /** Keras' WEIGHTS_PATH_NO_TOP (or its equivalent). */
    url: string;
    /** The file name Keras caches it under (`~/.keras/models/<fileName>`). */
    fileName: string;
    /** The `file_hash` Keras passes to `get_file` (MD5: 32 hex digits), or null where Keras checks none. */
    fileHash: string | null;
    hashAlgorithm: 'md5';
  };
  /**
   * Keras loads these files with `model.load_weights(path)`: in topological order, not by name. True
   * when every weight-holding layer is named explicitly in Keras' source, so loading by name also
   * matches the file; false where the source leaves them unnamed (their names in the file depend on the
   * Keras version and session that saved it) — load those in topological order, as Keras does.
   */
  weightsByName: boolean;
}

const KA = 'https://storage.googleapis.com/tensorflow/keras-applications';

/** The Keras applications offered as bases (`include_top=False`, ImageNet weights). */
export const KERAS_APPLICATIONS: readonly KerasApplicationInfo[] = [
  {
    id: 'vgg16',
    displayName: 'VGG16',
    architecture: 'VGG16',
    inputSize: 224,
    preprocessing: 'caffe',
    featureLayer: 'block5_pool',
    featureShape: [7, 7, 512],
    params: 14_714_688,
    imagenetTop1: 0.713,
    sizeBytes: 58_889_256,
    weights: {
      url: `${KA}/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      fileName: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
      fileHash: '6d6bbae143d832006294945121d1f1fc',
      hashAlgorithm: 'md5',
    },
    weightsByName: true,
  },
  {
    id: 'vgg19',
    displayName: 'VGG19',
    architecture: 'VGG19',
    inputSize: 224,
    preprocessing: 'caffe',
    featureLayer: 'block5_pool',
    featureShape: [7, 7, 512],
    params: 20_024_384,
    imagenetTop1: 0.713,
    sizeBytes: 80_134_624,
    weights: {
      url: `${KA}/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      fileName: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
      fileHash: '253f8cb515780f3b799900260a226db6',
      hashAlgorithm: 'md5',
    },
    weightsByName: true,
  },
  {
    id: 'resnet50',
    displayName: 'ResNet50',
    architecture: 'ResNet50',
    inputSize: 224,
    preprocessing: 'caffe',
    featureLayer: 'conv5_block3_out',
    featureShape: [7, 7, 2048],
    params: 23_587_712,
    imagenetTop1: 0.749,
    sizeBytes: 94_765_736,
    weights: {
      url: `${KA}/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      fileName: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
      fileHash: '4d473c1dd8becc155b73f8504c6f6626',
      hashAlgorithm: 'md5',
    },
    weightsByName: true,
  },
  {
    id: 'resnet50v2',
    displayName: 'ResNet50V2',
    architecture: 'ResNet50V2',
    inputSize: 224,
    preprocessing: 'tf',
    featureLayer: 'post_relu',
    featureShape: [7, 7, 2048],
    params: 23_564_800,
    imagenetTop1: 0.76,
    sizeBytes: 94_668_760,
    weights: {
      url: `${KA}/resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      fileName: 'resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5',
      fileHash: 'fac2f116257151a9d068a22e544a4917',
      hashAlgorithm: 'md5',
    },
    weightsByName: true,
  },
  {
    id: 'inceptionv3',
    displayName: 'InceptionV3',
    architecture: 'InceptionV3',
    inputSize: 299,
    preprocessing: 'tf',
    featureLayer: 'mixed10',
    featureShape: [8, 8, 2048],
    params: 21_802_784,
    imagenetTop1: 0.779,
    sizeBytes: 87_910_968,
    weights: {
      url: `${KA}/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      fileName: 'inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5',
      fileHash: 'bcbd6486424b2319ff4ef7d526e38f63',
      hashAlgorithm: 'md5',
    },
    // Every conv/BN is unnamed; the file was made for Keras 2.0.0 (names then started at conv2d_1).
    weightsByName: false,
  },
  {
    id: 'xception',
    displayName: 'Xception',
    architecture: 'Xception',
    inputSize: 299,
    preprocessing: 'tf',
    featureLayer: 'block14_sepconv2_act',
    featureShape: [10, 10, 2048],
    params: 20_861_480,
    imagenetTop1: 0.79,
    sizeBytes: 83_683_744,
    weights: {
      url: `${KA}/xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      fileName: 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5',
      fileHash: 'b0042744bf5b25fce3cb969f33bebb97',
      hashAlgorithm: 'md5',
    },
    // The four residual conv + BN pairs are unnamed; the file dates from Keras 1.2 (deep-learning-models v0.4).
    weightsByName: false,
  },
  {
    id: 'densenet121',
    displayName: 'DenseNet121',
    architecture: 'DenseNet121',
    inputSize: 224,
    preprocessing: 'torch',
    featureLayer: 'relu',
    featureShape: [7, 7, 1024],
    params: 7_037_504,
    imagenetTop1: 0.75,
    sizeBytes: 29_084_464,
    weights: {
      url: `${KA}/densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      fileName: 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5',
      fileHash: '30ee3e1110167f948a6b9946edeeb738',
      hashAlgorithm: 'md5',
    },
    weightsByName: true,
  },
  ...(
    [
      ['b0', 224, [7, 7, 1280], 4_049_571, 0.771, 16_705_208, '50bc09e76180e00e4465e1a485ddc09d'],
      ['b1', 240, [8, 8, 1280], 6_575_239, 0.791, 27_018_416, '74c4e6b3e1f6a1eea24c589628592432'],
      ['b2', 260, [9, 9, 1408], 7_768_569, 0.801, 31_790_344, '111f8e2ac8aa800a7a99e3239f7bfb39'],
      ['b3', 300, [10, 10, 1536], 10_783_535, 0.816, 43_941_136, 'af6d107764bb5b1abb91932881670226'],
    ] as const
  ).map(([v, size, shape, params, top1, bytes, hash]): KerasApplicationInfo => ({
    id: `efficientnet${v}`,
    displayName: `EfficientNet ${v.toUpperCase()}`,
    architecture: `EfficientNet${v.toUpperCase() as 'B0' | 'B1' | 'B2' | 'B3'}`,
    inputSize: size,
    preprocessing: 'none',
    featureLayer: 'top_activation',
    featureShape: [...shape],
    params,
    imagenetTop1: top1,
    sizeBytes: bytes,
    weights: {
      url: `https://storage.googleapis.com/keras-applications/efficientnet${v}_notop.h5`,
      fileName: `efficientnet${v}_notop.h5`,
      fileHash: hash,
      hashAlgorithm: 'md5',
    },
    // All named except `normalization`, which is the first (only) Normalization in both file and build.
    weightsByName: true,
  })),
  {
    // Same ImageNet weights as the tfjs row `mobilenet_v2_1.0_224`, from Keras' own file.
    id: 'mobilenet_v2_1.0_224_keras',
    displayName: 'MobileNetV2 1.0 (Keras)',
    architecture: 'MobileNetV2',
    inputSize: 224,
    preprocessing: 'tf',
    featureLayer: 'out_relu',
    featureShape: [7, 7, 1280],
    params: 2_257_984,
    imagenetTop1: 0.713,
    sizeBytes: 9_406_464,
    weights: {
      url: `${KA}/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5`,
      fileName: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5',
      // keras/applications/mobilenet_v2.py calls get_file without a file_hash.
      fileHash: null,
      hashAlgorithm: 'md5',
    },
    weightsByName: true,
  },
];

export function findKerasApplication(id: string): KerasApplicationInfo | undefined {
  return KERAS_APPLICATIONS.find((a) => a.id === id);
}
