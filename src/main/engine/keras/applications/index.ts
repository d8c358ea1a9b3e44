import type { tf } from '../../tf';
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

/** Architecture (a table row's `architecture`) → builder of the `include_top=False` model at an input size. */
export const ARCHITECTURES: Readonly<
  Record<KerasApplicationInfo['architecture'], (size: Size) => tf.LayersModel>
> = {
  VGG16: (s) => buildVgg('vgg16', s),
  VGG19: (s) => buildVgg('vgg19', s),
  ResNet50: (s) => buildResNet('v1', s),
  ResNet50V2: (s) => buildResNet('v2', s),
  InceptionV3: buildInceptionV3,
  Xception: buildXception,
  DenseNet121: buildDenseNet121,
  EfficientNetB0: (s) => buildEfficientNet('b0', s),
  EfficientNetB1: (s) => buildEfficientNet('b1', s),
  EfficientNetB2: (s) => buildEfficientNet('b2', s),
  EfficientNetB3: (s) => buildEfficientNet('b3', s),
  MobileNetV2: (s) => buildMobileNetV2(1.0, s),
};

/**
 * The Keras application `id` (a row of KERAS_APPLICATIONS) without its top, randomly initialised, at its
 * registry input size or `size`. Load the row's notop weights into it to get the pretrained base.
 */
export function buildKerasApplication(id: string, size?: Size): tf.LayersModel {
  const info = KERAS_APPLICATIONS.find((a) => a.id === id);
  if (!info)
    throw new Error(
      `unknown Keras application "${id}" (known: ${KERAS_APPLICATIONS.map((a) => a.id).join(', ')})`,
    );
  return ARCHITECTURES[info.architecture](size ?? [info.inputSize, info.inputSize]);
}
