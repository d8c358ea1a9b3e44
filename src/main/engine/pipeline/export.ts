/** Stage `export`: the trained model in the requested formats, all landing together or not at all. */
import type { ExportFormatId } from '@shared/export-formats';
import { writeExports, type ExportResult } from '../export';
import type { ExportSubject } from '../export/formats';
import type { PipelineStage } from './context';

export interface ExportInput {
  subject: ExportSubject;
  outDir: string;
  formats: readonly ExportFormatId[];
}

export const exportStage: PipelineStage<ExportInput, ExportResult> = {
  name: 'export',
  total: (i) => new Set(i.formats).size,
  run: (i, ctx) =>
    writeExports(i.subject, { outDir: i.outDir, formats: i.formats, onProgress: ctx.progress }),
};
