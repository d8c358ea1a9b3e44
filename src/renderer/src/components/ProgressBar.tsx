import { percent } from '../lib/format';

export function ProgressBar({ done, total, label }: { done: number; total: number; label?: string }) {
  const indeterminate = total <= 0;
  const pct = percent(done, total);
  return (
    <div
      className={indeterminate ? 'progress indeterminate' : 'progress'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={indeterminate ? undefined : total}
      aria-valuenow={indeterminate ? undefined : done}
    >
      <div className="progress-fill" style={indeterminate ? undefined : { width: `${pct}%` }} />
    </div>
  );
}
