/** Short human labels for configs and runs (history table, charts, pickers). */
import type { HeadLayer, HeadSpec } from '@shared/head';
import type { RunView } from '@shared/ipc/run-record';

const LAYER_SHORT: Record<HeadLayer['type'], (l: HeadLayer) => string> = {
  globalAveragePooling: () => 'GAP',
  globalMaxPooling: () => 'GMP',
  flatten: () => 'Flatten',
  dense: (l) =>
    l.type === 'dense' ? `Dense ${l.units}${l.activation === 'relu' ? '' : ` ${l.activation}`}` : '',
  dropout: (l) => (l.type === 'dropout' ? `Dropout ${l.rate}` : ''),
  batchNormalization: () => 'BN',
};

export function headSummary(head: HeadSpec): string {
  return head.layers.length
    ? head.layers.map((l) => LAYER_SHORT[l.type](l)).join(' → ')
    : '(classifier only)';
}

export function runTime(r: RunView): string {
  const d = new Date(r.createdAt);
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${d.toLocaleTimeString(
    undefined,
    {
      hour: '2-digit',
      minute: '2-digit',
    },
  )}`;
}

export function runLabel(r: RunView): string {
  return `${runTime(r)} · ${r.datasetName} · ${r.config.base}`;
}

export { runAccuracy } from '@shared/run-state';

export const STATUS_TEXT: Record<RunView['status'], string> = {
  running: 'training',
  stopping: 'stopping…',
  stopped: 'stopped',
  done: 'finished',
  failed: 'failed',
  cancelled: 'stopped before training',
};
