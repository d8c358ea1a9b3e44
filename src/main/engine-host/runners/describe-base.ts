/**
 * The 'describeBase' job: resolve (optionally download) and load a base, and describe it — its
 * layers (for the fine-tune list), feature shape and parameter count. Answers are cached per folder.
 * It runs as the pipeline's `load-base` stage, so its progress reads like a run's.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import type { BaseDescription } from '@shared/ipc/bases';
import { initBackend } from '../../engine/backend';
import { loadBase } from '../../engine/bases/load';
import { resolveBase } from '../../engine/bases/resolve';
import { pipelineContext, runStage, type PipelineStage } from '../../engine/pipeline/context';
import { downloadReporter } from '../../engine/pipeline/resolve-base';
import { tf } from '../../engine/tf';
import type { JobContext } from '../job-context';
import { setTfRuntime } from '../runtime';

const cache = new Map<string, BaseDescription>();

const shapeOf = (s: unknown): (number | null)[] =>
  Array.isArray(s) && Array.isArray(s[0]) ? (s[0] as (number | null)[]) : ((s as (number | null)[]) ?? []);

const describeStage: PipelineStage<JobPayload<'describeBase'>, BaseDescription> = {
  name: 'load-base',
  total: () => 1,
  async run(p, ctx) {
    const resolved = await resolveBase(p.base, {
      modelsDir: p.modelsDir,
      download: p.download,
      signal: ctx.signal,
      onProgress: downloadReporter(ctx, p.base),
    });
    // Keyed by the folder and its sidecar: a new feature layer or preprocessing is a new description.
    const key = `${resolved.dir}\0${await readFile(path.join(resolved.dir, 'transfer-studio.json'), 'utf8').catch(() => '')}`;
    const hit = cache.get(key);
    if (hit) {
      ctx.progress(1, 1);
      return hit;
    }
    const base = await loadBase(resolved);
    try {
      const d: BaseDescription = {
        id: base.id,
        // A user's Keras file is named by its path (its converted folder is an implementation detail).
        ref: resolved.entry ? resolved.entry.id : path.resolve(p.base),
        displayName: base.displayName,
        dir: resolved.dir,
        inputSize: base.inputSize,
        preprocessing: base.preprocessing,
        featureLayer: base.featureLayer,
        featureShape: base.featureShape,
        params: base.model.countParams(),
        layers: base.model.layers.map((l) => ({
          name: l.name,
          className: l.getClassName(),
          params: l.countParams(),
          outputShape: shapeOf(l.outputShape).slice(1),
        })),
      };
      cache.set(key, d);
      ctx.progress(1, 1);
      return d;
    } finally {
      base.full.dispose();
    }
  },
};

export async function describeBaseJob(
  p: JobPayload<'describeBase'>,
  ctx: JobContext,
): Promise<JobResult<'describeBase'>> {
  const backend = await initBackend(p.backend);
  setTfRuntime(tf, backend.device);
  return runStage(
    pipelineContext({ jobId: ctx.jobId, signal: ctx.signal, onEvent: ctx.emit }),
    describeStage,
    p,
  );
}
