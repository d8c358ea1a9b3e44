/** ONNX export of a trained classifier (base + head), through the tfjs → ONNX compiler. */
import { exportOnnx } from './export';

export {
  exportOnnx,
  OnnxExportError,
  ONNX_DIR,
  ONNX_FILE,
  type OnnxExportOptions,
  type OnnxExportResult,
} from './export';

/**
 * The `onnx` row for the export-format registry: (model, {outDir, preprocessing, classNames, metadata})
 * → `<outDir>/onnx/{model.onnx,labels.json,metadata.json}`, written atomically.
 */
export const ONNX_EXPORT_FORMAT = {
  id: 'onnx',
  label: 'ONNX (opset 17)',
  folder: 'onnx',
  export: exportOnnx,
} as const;
