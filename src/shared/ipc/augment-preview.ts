/** One image's augmentation preview: the decoded original and its augmented variants, as data URLs. */
import { z } from 'zod';

export const AugmentPreviewItem = z.object({
  rel: z.string(),
  original: z.string().nullable(),
  variants: z.array(z.string()),
  error: z.string().nullable(),
});
export type AugmentPreviewItem = z.infer<typeof AugmentPreviewItem>;
