import { z } from 'zod';

/** One set of the feature store: one base + pixel pipeline + stored form + precision. */
export const CacheSetInfo = z.object({
  setKey: z.string(),
  /** null when the set's description is missing or unreadable (its bytes still count). */
  baseId: z.string().nullable(),
  baseName: z.string().nullable(),
  form: z.enum(['full', 'avg', 'max']).nullable(),
  precision: z.enum(['float16', 'float32']).nullable(),
  vectorShape: z.array(z.number().int()).nullable(),
  resize: z.string().nullable(),
  /** Records in sealed chunks (chunks still being written, or of a crashed writer, are not counted). */
  records: z.number().int(),
  chunks: z.number().int(),
  unsealedChunks: z.number().int(),
  bytes: z.number().int(),
  /** Last write, ISO 8601. */
  modified: z.string().nullable(),
});
export type CacheSetInfo = z.infer<typeof CacheSetInfo>;

export const CacheBaseInfo = z.object({
  baseId: z.string(),
  baseName: z.string(),
  sets: z.number().int(),
  records: z.number().int(),
  bytes: z.number().int(),
});
export type CacheBaseInfo = z.infer<typeof CacheBaseInfo>;

export const CacheReport = z.object({
  root: z.string(),
  storeVersion: z.number().int(),
  /** Feature store plus old-layout leftovers. */
  totalBytes: z.number().int(),
  storeBytes: z.number().int(),
  /** Files of an older cache layout (never read; removed by clear). */
  legacyBytes: z.number().int(),
  sets: z.array(CacheSetInfo),
  bases: z.array(CacheBaseInfo),
});
export type CacheReport = z.infer<typeof CacheReport>;

/** What to clear: everything (no base), or the sets of one base (registry id, e.g. mobilenet_v2_0.35_224). */
export const CacheFilter = z.object({ base: z.string().min(1).optional() });
export type CacheFilter = z.infer<typeof CacheFilter>;

export const ClearResult = z.object({
  removedSets: z.number().int(),
  removedBytes: z.number().int(),
  legacyRemoved: z.boolean(),
});
export type ClearResult = z.infer<typeof ClearResult>;
