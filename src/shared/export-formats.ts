/**
 * Export formats as the app, the CLI and requests name them: id, label, where each goes inside an
 * export folder. How each is written is the engine's registry (src/main/engine/export/formats.ts).
 */
import { z } from 'zod';

export interface ExportFormatInfo {
  label: string;
  /** One line for the Export screen. */
  hint: string;
  /** Folder inside the export folder, `/`-separated. */
  folder: string;
}

export const EXPORT_FORMATS = {
  tfjs: {
    label: 'TensorFlow.js',
    hint: 'model.json + weights, for the browser or Node (tf.loadLayersModel).',
    folder: 'tfjs',
  },
  savedmodel: {
    label: 'TensorFlow SavedModel',
    hint: 'For TF Serving, Python tf.saved_model.load, or tflite_convert. Takes raw 0–255 RGB.',
    folder: 'savedmodel/1',
  },
  onnx: {
    label: 'ONNX',
    hint: 'model.onnx (opset 17) for ONNX Runtime in Python, C#/.NET or the browser. Takes raw 0–255 RGB.',
    folder: 'onnx',
  },
} as const satisfies Record<string, ExportFormatInfo>;

export type ExportFormatId = keyof typeof EXPORT_FORMATS;
export const ExportFormatId = z.enum(Object.keys(EXPORT_FORMATS) as [ExportFormatId, ...ExportFormatId[]]);

/** What an export writes unless told otherwise (and what the CLI's `--format both` means). */
export const DEFAULT_EXPORT_FORMATS: readonly ExportFormatId[] = ['tfjs', 'savedmodel'];

/** The formats one export writes, at least one, each once (in the order given). */
export const ExportFormats = z
  .array(ExportFormatId)
  .min(1)
  .transform((ids) => [...new Set(ids)]);

export const FormatOutcome = z.object({ dir: z.string(), bytes: z.number() });
export type FormatOutcome = z.infer<typeof FormatOutcome>;

/** What an export wrote: every requested format, from the same run (they land together or not at all). */
export const ExportOutcome = z.object({
  outDir: z.string(),
  formats: z.partialRecord(ExportFormatId, FormatOutcome),
  ms: z.number(),
});
export type ExportOutcome = z.infer<typeof ExportOutcome>;
