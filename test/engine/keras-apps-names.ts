/**
 * What Keras' own sources (tf.keras 2.x `keras/applications/*.py`) make of each `include_top=False`
 * model, written independently of the builders under test.
 *
 * Derivation rule for the weight-holding layer names: follow each source's calls in order; a layer
 * given `name=` keeps it; an unnamed one is named by tf.keras in a fresh session as its snake-cased class
 * name, zero-based per class (`conv2d`, `conv2d_1`, …; Keras 2.0–2.2 counted from `_1`).
 */

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const auto = (prefix: string, n: number) => range(0, n - 1).map((i) => (i ? `${prefix}_${i}` : prefix));

function vgg(convs: number[]): string[] {
  return convs.flatMap((n, b) => range(1, n).map((i) => `block${b + 1}_conv${i}`));
}

const RESNET50_STACKS = [3, 4, 6, 3];

function resnet50(): string[] {
  const out = ['conv1_conv', 'conv1_bn'];
  RESNET50_STACKS.forEach((blocks, s) => {
    for (let b = 1; b <= blocks; b++) {
      const p = `conv${s + 2}_block${b}`;
      if (b === 1) out.push(`${p}_0_conv`, `${p}_0_bn`);
      out.push(`${p}_1_conv`, `${p}_1_bn`, `${p}_2_conv`, `${p}_2_bn`, `${p}_3_conv`, `${p}_3_bn`);
    }
  });
  return out;
}

function resnet50v2(): string[] {
  const out = ['conv1_conv'];
  RESNET50_STACKS.forEach((blocks, s) => {
    for (let b = 1; b <= blocks; b++) {
      const p = `conv${s + 2}_block${b}`;
      out.push(`${p}_preact_bn`);
      if (b === 1) out.push(`${p}_0_conv`);
      out.push(`${p}_1_conv`, `${p}_1_bn`, `${p}_2_conv`, `${p}_2_bn`, `${p}_3_conv`);
    }
  });
  return [...out, 'post_bn'];
}

/** 94 conv2d_bn calls, none named. */
const inceptionV3 = () => [...auto('conv2d', 94), ...auto('batch_normalization', 94)];

function xception(): string[] {
  const out = ['block1_conv1', 'block1_conv1_bn', 'block1_conv2', 'block1_conv2_bn'];
  const sep = (b: number, n: number) =>
    range(1, n).flatMap((i) => [`block${b}_sepconv${i}`, `block${b}_sepconv${i}_bn`]);
  for (const b of [2, 3, 4, 13, 14]) out.push(...sep(b, 2));
  for (let b = 5; b <= 12; b++) out.push(...sep(b, 3));
  // The four residual branches (blocks 2, 3, 4, 13) are unnamed.
  return [...out, ...auto('conv2d', 4), ...auto('batch_normalization', 4)];
}

function densenet121(): string[] {
  const out = ['conv1/conv', 'conv1/bn'];
  [6, 12, 24, 16].forEach((n, i) => {
    for (let b = 1; b <= n; b++) {
      const p = `conv${i + 2}_block${b}`;
      out.push(`${p}_0_bn`, `${p}_1_conv`, `${p}_1_bn`, `${p}_2_conv`);
    }
    if (i < 3) out.push(`pool${i + 2}_bn`, `pool${i + 2}_conv`);
  });
  return [...out, 'bn'];
}

function efficientnetB0(): string[] {
  const out = ['normalization', 'stem_conv', 'stem_bn'];
  [1, 2, 2, 3, 3, 4, 1].forEach((repeats, s) => {
    for (let j = 0; j < repeats; j++) {
      const p = `block${s + 1}${'abcd'[j]}_`;
      if (s > 0) out.push(`${p}expand_conv`, `${p}expand_bn`); // stage 1 has expand_ratio 1
      out.push(
        `${p}dwconv`,
        `${p}bn`,
        `${p}se_reduce`,
        `${p}se_expand`,
        `${p}project_conv`,
        `${p}project_bn`,
      );
    }
  });
  return [...out, 'top_conv', 'top_bn'];
}

function mobilenetV2(): string[] {
  const out = ['Conv1', 'bn_Conv1'];
  const tail = (p: string) => [`${p}depthwise`, `${p}depthwise_BN`, `${p}project`, `${p}project_BN`];
  out.push(...tail('expanded_conv_'));
  for (let b = 1; b <= 16; b++) out.push(`block_${b}_expand`, `block_${b}_expand_BN`, ...tail(`block_${b}_`));
  return [...out, 'Conv_1', 'Conv_1_bn'];
}

/**
 * `model.layers` of `keras.applications.InceptionV3(weights='imagenet', include_top=False)` in the
 * order Keras lists them, as printed by a Keras 2.0 user (`for i, layer in enumerate(base_model.layers):
 * print(i, layer.name)`), with the auto-names shifted to tf.keras' zero-based form. Keras loads the
 * notop file in this (topological) order, so a topological weight loader needs the same order here.
 */
function inceptionV3KerasOrder(): string[] {
  const keras20 = `input_1 conv2d_1 batch_normalization_1 activation_1 conv2d_2 batch_normalization_2 activation_2
  conv2d_3 batch_normalization_3 activation_3 max_pooling2d_1 conv2d_4 batch_normalization_4 activation_4 conv2d_5
  batch_normalization_5 activation_5 max_pooling2d_2 conv2d_9 batch_normalization_9 activation_9 conv2d_7 conv2d_10
  batch_normalization_7 batch_normalization_10 activation_7 activation_10 average_pooling2d_1 conv2d_6 conv2d_8
  conv2d_11 conv2d_12 batch_normalization_6 batch_normalization_8 batch_normalization_11 batch_normalization_12
  activation_6 activation_8 activation_11 activation_12 mixed0 conv2d_16 batch_normalization_16 activation_16
  conv2d_14 conv2d_17 batch_normalization_14 batch_normalization_17 activation_14 activation_17 average_pooling2d_2
  conv2d_13 conv2d_15 conv2d_18 conv2d_19 batch_normalization_13 batch_normalization_15 batch_normalization_18
  batch_normalization_19 activation_13 activation_15 activation_18 activation_19 mixed1 conv2d_23
  batch_normalization_23 activation_23 conv2d_21 conv2d_24 batch_normalization_21 batch_normalization_24
  activation_21 activation_24 average_pooling2d_3 conv2d_20 conv2d_22 conv2d_25 conv2d_26 batch_normalization_20
  batch_normalization_22 batch_normalization_25 batch_normalization_26 activation_20 activation_22 activation_25
  activation_26 mixed2 conv2d_28 batch_normalization_28 activation_28 conv2d_29 batch_normalization_29 activation_29
  conv2d_27 conv2d_30 batch_normalization_27 batch_normalization_30 activation_27 activation_30 max_pooling2d_3
  mixed3 conv2d_35 batch_normalization_35 activation_35 conv2d_36 batch_normalization_36 activation_36 conv2d_32
  conv2d_37 batch_normalization_32 batch_normalization_37 activation_32 activation_37 conv2d_33 conv2d_38
  batch_normalization_33 batch_normalization_38 activation_33 activation_38 average_pooling2d_4 conv2d_31 conv2d_34
  conv2d_39 conv2d_40 batch_normalization_31 batch_normalization_34 batch_normalization_39 batch_normalization_40
  activation_31 activation_34 activation_39 activation_40 mixed4 conv2d_45 batch_normalization_45 activation_45
  conv2d_46 batch_normalization_46 activation_46 conv2d_42 conv2d_47 batch_normalization_42 batch_normalization_47
  activation_42 activation_47 conv2d_43 conv2d_48 batch_normalization_43 batch_normalization_48 activation_43
  activation_48 average_pooling2d_5 conv2d_41 conv2d_44 conv2d_49 conv2d_50 batch_normalization_41
  batch_normalization_44 batch_normalization_49 batch_normalization_50 activation_41 activation_44 activation_49
  activation_50 mixed5 conv2d_55 batch_normalization_55 activation_55 conv2d_56 batch_normalization_56 activation_56
  conv2d_52 conv2d_57 batch_normalization_52 batch_normalization_57 activation_52 activation_57 conv2d_53 conv2d_58
  batch_normalization_53 batch_normalization_58 activation_53 activation_58 average_pooling2d_6 conv2d_51 conv2d_54
  conv2d_59 conv2d_60 batch_normalization_51 batch_normalization_54 batch_normalization_59 batch_normalization_60
  activation_51 activation_54 activation_59 activation_60 mixed6 conv2d_65 batch_normalization_65 activation_65
  conv2d_66 batch_normalization_66 activation_66 conv2d_62 conv2d_67 batch_normalization_62 batch_normalization_67
  activation_62 activation_67 conv2d_63 conv2d_68 batch_normalization_63 batch_normalization_68 activation_63
  activation_68 average_pooling2d_7 conv2d_61 conv2d_64 conv2d_69 conv2d_70 batch_normalization_61
  batch_normalization_64 batch_normalization_69 batch_normalization_70 activation_61 activation_64 activation_69
  activation_70 mixed7 conv2d_73 batch_normalization_73 activation_73 conv2d_74 batch_normalization_74 activation_74
  conv2d_71 conv2d_75 batch_normalization_71 batch_normalization_75 activation_71 activation_75 conv2d_72 conv2d_76
  batch_normalization_72 batch_normalization_76 activation_72 activation_76 max_pooling2d_4 mixed8 conv2d_81
  batch_normalization_81 activation_81 conv2d_78 conv2d_82 batch_normalization_78 batch_normalization_82
  activation_78 activation_82 conv2d_79 conv2d_80 conv2d_83 conv2d_84 average_pooling2d_8 conv2d_77
  batch_normalization_79 batch_normalization_80 batch_normalization_83 batch_normalization_84 conv2d_85
  batch_normalization_77 activation_79 activation_80 activation_83 activation_84 batch_normalization_85
  activation_77 mixed9_0 concatenate_1 activation_85 mixed9 conv2d_90 batch_normalization_90 activation_90 conv2d_87
  conv2d_91 batch_normalization_87 batch_normalization_91 activation_87 activation_91 conv2d_88 conv2d_89 conv2d_92
  conv2d_93 average_pooling2d_9 conv2d_86 batch_normalization_88 batch_normalization_89 batch_normalization_92
  batch_normalization_93 conv2d_94 batch_normalization_86 activation_88 activation_89 activation_92 activation_93
  batch_normalization_94 activation_86 mixed9_1 concatenate_2 activation_94 mixed10`;
  const zeroBased =
    /^(conv2d|batch_normalization|activation|max_pooling2d|average_pooling2d|concatenate)_(\d+)$/;
  return keras20
    .trim()
    .split(/\s+/)
    .map((n) => n.replace(zeroBased, (_, p: string, i: string) => (i === '1' ? p : `${p}_${Number(i) - 1}`)));
}

/**
 * The start of ResNet50's `model.summary()` in Keras: the shortcut conv of a block comes after the
 * main path's second relu (Keras orders layers by depth, then by discovery).
 */
const RESNET50_KERAS_ORDER_HEAD = [
  'input_1',
  'conv1_pad',
  'conv1_conv',
  'conv1_bn',
  'conv1_relu',
  'pool1_pad',
  'pool1_pool',
  'conv2_block1_1_conv',
  'conv2_block1_1_bn',
  'conv2_block1_1_relu',
  'conv2_block1_2_conv',
  'conv2_block1_2_bn',
  'conv2_block1_2_relu',
  'conv2_block1_0_conv',
  'conv2_block1_3_conv',
  'conv2_block1_0_bn',
  'conv2_block1_3_bn',
  'conv2_block1_add',
  'conv2_block1_out',
];

/**
 * The start of Xception's `model.summary()` as a Keras 2 user printed it (auto-names shifted to
 * zero-based): each unnamed residual conv comes after the main path's last BN, its BN after the pool.
 */
const XCEPTION_KERAS_ORDER_HEAD = [
  'input_1',
  'block1_conv1',
  'block1_conv1_bn',
  'block1_conv1_act',
  'block1_conv2',
  'block1_conv2_bn',
  'block1_conv2_act',
  'block2_sepconv1',
  'block2_sepconv1_bn',
  'block2_sepconv2_act',
  'block2_sepconv2',
  'block2_sepconv2_bn',
  'conv2d',
  'block2_pool',
  'batch_normalization',
  'add',
  'block3_sepconv1_act',
  'block3_sepconv1',
  'block3_sepconv1_bn',
  'block3_sepconv2_act',
  'block3_sepconv2',
  'block3_sepconv2_bn',
  'conv2d_1',
  'block3_pool',
  'batch_normalization_1',
  'add_1',
];

export interface KerasExpectation {
  /** Keras' `count_params()` for the notop model (the issue's numbers). */
  params: number;
  /** `len(model.layers)`, the input layer included. */
  layers: number;
  weighted: string[];
  featureLayer: string;
  featureShape: number[];
  /** The first layers of `model.layers` in Keras' (topological) order, where a real Keras listing is known. */
  order?: string[];
}

export const KERAS_EXPECTED: Record<string, KerasExpectation> = {
  vgg16: {
    params: 14_714_688,
    layers: 19,
    weighted: vgg([2, 2, 3, 3, 3]),
    featureLayer: 'block5_pool',
    featureShape: [7, 7, 512],
  },
  vgg19: {
    params: 20_024_384,
    layers: 22,
    weighted: vgg([2, 2, 4, 4, 4]),
    featureLayer: 'block5_pool',
    featureShape: [7, 7, 512],
  },
  resnet50: {
    params: 23_587_712,
    layers: 175,
    weighted: resnet50(),
    featureLayer: 'conv5_block3_out',
    featureShape: [7, 7, 2048],
    order: RESNET50_KERAS_ORDER_HEAD,
  },
  resnet50v2: {
    params: 23_564_800,
    layers: 190,
    weighted: resnet50v2(),
    featureLayer: 'post_relu',
    featureShape: [7, 7, 2048],
  },
  inceptionv3: {
    params: 21_802_784,
    layers: 311,
    weighted: inceptionV3(),
    featureLayer: 'mixed10',
    featureShape: [8, 8, 2048],
    order: inceptionV3KerasOrder(),
  },
  xception: {
    params: 20_861_480,
    layers: 132,
    weighted: xception(),
    featureLayer: 'block14_sepconv2_act',
    featureShape: [10, 10, 2048],
    order: XCEPTION_KERAS_ORDER_HEAD,
  },
  densenet121: {
    params: 7_037_504,
    layers: 427,
    weighted: densenet121(),
    featureLayer: 'relu',
    featureShape: [7, 7, 1024],
  },
  efficientnetb0: {
    params: 4_049_571,
    // 237 in tf.keras before 2.9, which lacked the ImageNet variance fix-up `rescaling_1`.
    layers: 238,
    weighted: efficientnetB0(),
    featureLayer: 'top_activation',
    featureShape: [7, 7, 1280],
  },
  'mobilenet_v2_1.0_224_keras': {
    params: 2_257_984,
    layers: 154,
    weighted: mobilenetV2(),
    featureLayer: 'out_relu',
    featureShape: [7, 7, 1280],
  },
};
