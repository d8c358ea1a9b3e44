/**
 * The export formats, one row each: its label and folder (src/shared/export-formats.ts) and how it is
 * written. Adding a format: its row in src/shared/export-formats.ts, its row here, its writer module.
 */
import { EXPORT_FORMATS, type ExportFormatId, type ExportFormatInfo } from '@shared/export-formats';
import type { PixelOptions } from '../extract/batch';
import type { tf } from '../tf';
import { prepareOnnx } from './onnx';
import { prepareSavedModel } from './savedmodel';
import { writeTfjs } from './tfjs';

/** What every format is written from: the trained classifier and what to say about it. */
export interface ExportSubject {
  /** Base + head, input: preprocessed pixels, output: class probabilities. */
  model: tf.LayersModel;
  classes: string[];
  pixel: PixelOptions;
  /** Shared metadata (metrics, training config, app version); each format adds its own fields. */
  metadata: Record<string, unknown>;
}

export interface ExportFormatRow extends ExportFormatInfo {
  /**
   * Write the format into `dir` (an existing, empty folder: the export makes all formats land together).
   * Rejects what the format cannot express before writing. Resolves to the size of the model written.
   */
  write(
    subject: ExportSubject,
    dir: string,
    progress?: (done: number, total: number) => void,
  ): Promise<number>;
}

export const EXPORT_FORMAT_ROWS: { [K in ExportFormatId]: ExportFormatRow } = {
  tfjs: {
    ...EXPORT_FORMATS.tfjs,
    write: (s, dir) => writeTfjs(s.model, dir, s.classes, { ...s.metadata, format: 'tfjs-layers' }),
  },
  savedmodel: {
    ...EXPORT_FORMATS.savedmodel,
    async write(s, dir, progress) {
      const sm = prepareSavedModel(s.model, {
        preprocessing: s.pixel.preprocessing,
        classNames: s.classes,
        metadata: s.metadata,
        onProgress: progress,
      });
      await sm.write(dir);
      return sm.bytes;
    },
  },
  onnx: {
    ...EXPORT_FORMATS.onnx,
    async write(s, dir, progress) {
      const onnx = prepareOnnx(s.model, {
        preprocessing: s.pixel.preprocessing,
        classNames: s.classes,
        metadata: s.metadata,
        onProgress: progress,
      });
      await onnx.write(dir);
      return onnx.bytes;
    },
  },
};
