/** Stage `load-base`: a registry id or model folder → the pretrained base, cut at its feature layer. */
import { loadBase, type FeatureBase } from '../bases/load';
import { resolveBase } from '../bases/resolve';
import type { PipelineStage } from './context';

export interface ResolveBaseInput {
  /** Registry id or a model folder. */
  base: string;
  /** A local mirror folder (overrides downloads). */
  mirrorDir?: string | null;
  /** Where downloaded bases are kept. */
  modelsDir?: string;
  download?: boolean;
}

export const resolveBaseStage: PipelineStage<ResolveBaseInput, FeatureBase> = {
  name: 'load-base',
  total: () => 1,
  async run(input, ctx) {
    let steps = 1;
    const resolved = await resolveBase(input.base, {
      mirrorDir: input.mirrorDir,
      modelsDir: input.modelsDir,
      download: input.download,
      // Downloading counts its files; loading is the last step.
      onProgress: (done, files) => ctx.progress(done, (steps = files + 1)),
    });
    const base = await loadBase(resolved);
    ctx.progress(steps, steps);
    return base;
  },
};
