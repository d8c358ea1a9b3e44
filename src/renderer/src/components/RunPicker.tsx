/** Which run Evaluate and Export look at (runs with a result only). */
import type { RunView } from '@shared/ipc/run-record';
import { runAccuracy, runLabel, STATUS_TEXT } from '../lib/run-labels';
import { pct } from '../lib/format';
import { useRuns } from '../state/runs';

export function RunPicker({ filter, label = 'Run' }: { filter?: (r: RunView) => boolean; label?: string }) {
  const { runs, selected, select } = useRuns();
  const choices = runs.filter((r) => r.summary && (!filter || filter(r)));
  if (choices.length === 0) return null;
  const value = selected && choices.some((r) => r.id === selected.id) ? selected.id : choices[0].id;
  return (
    <label className="run-picker">
      {label}{' '}
      <select aria-label={label} value={value} onChange={(e) => select(e.target.value)}>
        {choices.map((r) => (
          <option key={r.id} value={r.id}>
            {runLabel(r)} — {pct(runAccuracy(r))} ({STATUS_TEXT[r.status]}
            {r.live ? '' : ', model not in memory'})
          </option>
        ))}
      </select>
    </label>
  );
}
