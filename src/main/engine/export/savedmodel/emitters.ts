import type { Emitter } from './emit-common';
import { emitConv2D, emitDense, emitDepthwiseConv2D, emitSeparableConv2D } from './emit-conv';
import {
  emitActivationLayer,
  emitAdd,
  emitAveragePooling2D,
  emitBatchNormalization,
  emitConcatenate,
  emitGlobalAveragePooling2D,
  emitGlobalMaxPooling2D,
  emitIdentity,
  emitMaxPooling2D,
  emitMultiply,
  emitReLU,
  emitRescaling,
  emitReshape,
  emitZeroPadding2D,
} from './emit-basic';
import { emitNormalization } from './emit-normalization';

/** tfjs-layers class name → op emitter. InputLayer and nested models are handled by the walk. */
export const EMITTERS: Readonly<Record<string, Emitter>> = {
  Conv2D: emitConv2D,
  DepthwiseConv2D: emitDepthwiseConv2D,
  SeparableConv2D: emitSeparableConv2D,
  Dense: emitDense,
  BatchNormalization: emitBatchNormalization,
  ReLU: emitReLU,
  Activation: emitActivationLayer,
  ZeroPadding2D: emitZeroPadding2D,
  MaxPooling2D: emitMaxPooling2D,
  AveragePooling2D: emitAveragePooling2D,
  GlobalAveragePooling2D: emitGlobalAveragePooling2D,
  GlobalMaxPooling2D: emitGlobalMaxPooling2D,
  Flatten: emitReshape,
  Reshape: emitReshape,
  Dropout: emitIdentity,
  Add: emitAdd,
  Multiply: emitMultiply,
  Concatenate: emitConcatenate,
  Rescaling: emitRescaling,
  Normalization: emitNormalization,
};

export const SUPPORTED_LAYERS: readonly string[] = ['InputLayer', ...Object.keys(EMITTERS)].sort();
