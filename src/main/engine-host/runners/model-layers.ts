/**
 * The 'modelLayers' job: a user's Keras model file's layers (with output shapes) for the feature-layer
 * picker, and the user's pick saved into its converted folder. The conversion is the one `resolveBase`
 * makes (same cache folder, keyed by the file's bytes), so the next describe/train loads the pick.
 */
import type { JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import { suggestFeatureLayer } from '@shared/ipc/bases';
import { importKerasModel } from '../../engine/keras/import';

export async function modelLayersJob(p: JobPayload<'modelLayers'>): Promise<JobResult<'modelLayers'>> {
  const r = await importKerasModel(p.file, {
    modelsDir: p.modelsDir,
    ...(p.featureLayer ? { featureLayer: p.featureLayer } : {}),
  });
  return {
    path: p.file,
    featureLayer: r.featureLayer,
    suggested: suggestFeatureLayer(r.layers),
    layers: r.layers,
  };
}
