/** Try it: images to classify and what a run's model says about each. */
import { z } from 'zod';

export const Prediction = z.object({
  name: z.string(),
  /** A small JPEG data URL of the image as decoded, for the result list. */
  thumb: z.string().nullable(),
  top: z.array(z.object({ label: z.string(), index: z.number().int(), probability: z.number() })),
  error: z.string().nullable(),
});
export type Prediction = z.infer<typeof Prediction>;
