/**
 * Which base layers fine-tuning unfreezes — the same rule as the engine's `unfreeze` (train/run.ts):
 * everything from `fromLayer` up (or the last `layers` layers), keeping those that hold weights.
 * The editor always sets `fromLayer`, so "top N" means the top N layers that hold weights.
 */
import type { BaseDescription, BaseLayer } from '@shared/ipc/bases';
import type { FineTuneSpec } from '@shared/train';

export const weightLayers = (d: BaseDescription): BaseLayer[] => d.layers.filter((l) => l.params > 0);

export function unfrozenLayers(d: BaseDescription, spec: FineTuneSpec | null): BaseLayer[] {
  if (!spec || (spec.layers <= 0 && !spec.fromLayer)) return [];
  let from = d.layers.length - spec.layers;
  if (spec.fromLayer) {
    from = d.layers.findIndex((l) => l.name === spec.fromLayer);
    if (from < 0) return [];
  }
  return d.layers.slice(Math.max(1, from)).filter((l) => l.params > 0);
}

/** Trainable parameters of an unfrozen layer: BatchNorm's moving statistics never train. */
export const trainableParams = (l: BaseLayer) =>
  l.className === 'BatchNormalization' ? l.params / 2 : l.params;

/** The spec for "unfreeze the top `n` weight layers". */
export function topN(d: BaseDescription, n: number, prev: FineTuneSpec | null): FineTuneSpec {
  const w = weightLayers(d);
  const k = Math.max(1, Math.min(n, w.length));
  return {
    layers: k,
    fromLayer: w[w.length - k]?.name,
    epochs: prev?.epochs ?? 5,
    learningRate: prev?.learningRate ?? 1e-5,
  };
}
