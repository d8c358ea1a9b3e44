import type { GraphTarget } from '../../graph/layer-call';
import type { OnnxBuilder } from './builder';
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
  emitReshape,
  emitZeroPadding2D,
} from './emit-basic';
import { emitNormalization, emitRescaling } from './emit-keras';

/** The ONNX target of the one layer-graph walker: the same layer classes as the SavedModel export. */
export const ONNX_TARGET: GraphTarget<OnnxBuilder> = {
  name: 'the ONNX compiler',
  emitters: {
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
  },
};

export const ONNX_SUPPORTED_LAYERS: readonly string[] = [
  'InputLayer',
  ...Object.keys(ONNX_TARGET.emitters),
].sort();
