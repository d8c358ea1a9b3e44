/** ONNX export of a trained classifier (base + head), through the tfjs → ONNX compiler. */
export {
  exportOnnx,
  prepareOnnx,
  OnnxExportError,
  ONNX_DIR,
  ONNX_FILE,
  type OnnxContent,
  type OnnxExportOptions,
  type OnnxExportResult,
  type PreparedOnnx,
} from './export';
