import type { tf } from '../../tf';
import type { Init } from './builder';
import { buildDenseNet121 } from './densenet';
import { buildEfficientNet } from './efficientnet';
import { buildInceptionV3 } from './inception-v3';
import { buildMobileNetV2 } from './mobilenet-v2';
import { buildResNet } from './resnet';
import { buildVgg } from './vgg';
import { buildXception } from './xception';
import { KERAS_APPLICATIONS, type KerasApplicationInfo } from './table';
export { KerasNormalization } from './normalization';
export { KERAS_APPLICATIONS, findKerasApplication, type KerasApplicationInfo } from './table';

type Size = [number, number];
type Builder = (size: Size, init?: Init) => tf.LayersModel;

/** Architecture (a table row's `architecture`) → builder of the `include_top=False` model at an input size. */
export const ARCHITECTURES: Readonly<Record<KerasApplicationInfo['architecture'], Builder>> = {
  VGG16: (s, i) => buildVgg('vgg16', s, i),
  VGG19: (s, i) => buildVgg('vgg19', s, i),
  ResNet50: (s, i) => buildResNet('v1', s, i),
  ResNet50V2: (s, i) => buildResNet('v2', s, i),
  InceptionV3: buildInceptionV3,
  Xception: buildXception,
  DenseNet121: buildDenseNet121,
  EfficientNetB0: (s, i) => buildEfficientNet('b0', s, i),
  EfficientNetB1: (s, i) => buildEfficientNet('b1', s, i),
  EfficientNetB2: (s, i) => buildEfficientNet('b2', s, i),
  EfficientNetB3: (s, i) => buildEfficientNet('b3', s, i),
  MobileNetV2: (s, i) => buildMobileNetV2(1.0, s, i),
};

export interface BuildOptions {
  /** Square input side; the row's `inputSize` by default (notop models take any size ≥ 32, 75 for Inception/Xception). */
  size?: number;
  /** 'zeros' when the row's notop weights are loaded next (skips drawing random kernels). */
  init?: Init;
}

/**
 * The Keras application `id` (a row of KERAS_APPLICATIONS) without its top. Load the row's notop
 * weights into it to get the pretrained base.
 */
export function buildKerasApplication(id: string, opts: BuildOptions = {}): tf.LayersModel {
  const info = KERAS_APPLICATIONS.find((a) => a.id === id);
  if (!info)
    throw new Error(
      `unknown Keras application "${id}" (known: ${KERAS_APPLICATIONS.map((a) => a.id).join(', ')})`,
    );
  const side = opts.size ?? info.inputSize;
  return ARCHITECTURES[info.architecture]([side, side], opts.init);
}
