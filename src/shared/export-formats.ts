/** Export formats as requests name them. */
import { z } from 'zod';

export const ExportFormat = z.enum(['tfjs', 'savedmodel', 'both']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportOutcome = z.object({
  outDir: z.string(),
  tfjs: z.object({ dir: z.string(), bytes: z.number() }).nullable(),
  savedmodel: z.object({ dir: z.string(), bytes: z.number(), nodes: z.number() }).nullable(),
  ms: z.number(),
});
export type ExportOutcome = z.infer<typeof ExportOutcome>;
