/** Stage `load-base`: a registry id or model path → the pretrained base, cut at its feature layer. */
import { loadBase, type FeatureBase } from '../bases/load';
import type { DownloadProgress } from '../bases/download';
import { findBase } from '../bases/registry';
import { resolveBase } from '../bases/resolve';
import type { PipelineStage, StageContext } from './context';

export interface ResolveBaseInput {
  /** Registry id, a Keras model file or a tfjs model folder. */
  base: string;
  /** A local mirror folder (overrides downloads). */
  mirrorDir?: string | null;
  /** Where downloaded bases are kept. */
  modelsDir?: string;
  download?: boolean;
}

/** Scale of the stage's progress while downloading (bytes are mapped onto it; loading is the last step). */
const STEPS = 1000;

/**
 * Download progress as the run reports it: `download` events (bytes, speed, ETA — the CLI's line, the
 * base card) and the stage's own progress (the taskbar).
 */
export function downloadReporter(ctx: StageContext, base: string): (p: DownloadProgress) => void {
  const label = findBase(base)?.displayName ?? base;
  return (p) => {
    ctx.emit({
      type: 'download',
      jobId: ctx.jobId,
      base,
      label,
      bytes: p.bytes,
      total: p.total,
      resumedFrom: p.resumedFrom,
      bytesPerSec: p.bytesPerSec,
      etaMs: p.etaMs,
      done: p.done,
    });
    if (p.total) ctx.progress(Math.min(STEPS - 1, Math.floor((p.bytes / p.total) * STEPS)), STEPS);
  };
}

export const resolveBaseStage: PipelineStage<ResolveBaseInput, FeatureBase> = {
  name: 'load-base',
  total: () => 1,
  async run(input, ctx) {
    const resolved = await resolveBase(input.base, {
      mirrorDir: input.mirrorDir,
      modelsDir: input.modelsDir,
      download: input.download,
      signal: ctx.signal,
      onProgress: downloadReporter(ctx, input.base),
    });
    const base = await loadBase(resolved);
    ctx.progress(STEPS, STEPS);
    return base;
  },
};
