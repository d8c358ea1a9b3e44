export type StepId = 'dataset' | 'augment' | 'model' | 'train' | 'evaluate' | 'export';

export interface Step {
  id: StepId;
  label: string;
  /** What the step will hold, shown while it is still a placeholder. */
  coming?: string;
}

export const STEPS: Step[] = [
  { id: 'dataset', label: 'Dataset' },
  {
    id: 'augment',
    label: 'Augment',
    coming:
      'Augmentation controls (rotation, shifts, shear, zoom, flips, brightness, contrast) with previews made by the engine.',
  },
  {
    id: 'model',
    label: 'Model',
    coming: 'Base model cards and a visual head editor with live shapes and parameter counts.',
  },
  {
    id: 'train',
    label: 'Train',
    coming: 'Training configuration, Start/Stop, and a live loss/accuracy dashboard.',
  },
  {
    id: 'evaluate',
    label: 'Evaluate',
    coming: 'Confusion matrix, per-class metrics, misclassified images and “try it”.',
  },
  {
    id: 'export',
    label: 'Export',
    coming: 'Export the trained classifier for TensorFlow.js, with its labels and preprocessing.',
  },
];
