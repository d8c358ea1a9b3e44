export type StepId = 'dataset' | 'augment' | 'model' | 'train' | 'evaluate' | 'export';

export interface Step {
  id: StepId;
  label: string;
}

export const STEPS: Step[] = [
  { id: 'dataset', label: 'Dataset' },
  { id: 'augment', label: 'Augment' },
  { id: 'model', label: 'Model' },
  { id: 'train', label: 'Train' },
  { id: 'evaluate', label: 'Evaluate' },
  { id: 'export', label: 'Export' },
];
