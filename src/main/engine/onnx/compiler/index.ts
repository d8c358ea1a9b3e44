/** tfjs layers model → ONNX ModelProto (opset 17, IR 8), through the one layer-graph walker. */
export {
  compileClassifier,
  compileFeatureModel,
  compileOutputsModel,
  outputNames,
  decodeModel,
  encodeModel,
  CLASS_INDEX_NAME,
  INPUT_NAME,
  IR_VERSION,
  OPSET,
  PROBABILITIES_NAME,
  type CompiledModel,
} from './compile';
export { ONNX_SUPPORTED_LAYERS, ONNX_TARGET } from './emitters';
export { ONNX_PROTO } from './onnx-proto';
export * from './types';
