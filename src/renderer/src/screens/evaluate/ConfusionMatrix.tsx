/**
 * Confusion matrix heatmap: counts or row-normalised (recall per true class). Rows: true, columns:
 * predicted. A cell filters the gallery to those images; a row header to that class's errors.
 */
import { useState } from 'react';

export interface CmFilter {
  trueClass: number;
  /** null: every error of the true class. */
  predicted: number | null;
}

export function ConfusionMatrix({
  classes,
  confusion,
  filter,
  onFilter,
}: {
  classes: string[];
  confusion: number[][];
  filter?: CmFilter | null;
  onFilter?: (f: CmFilter | null) => void;
}) {
  const isOn = (t: number, p: number | null) => filter?.trueClass === t && filter.predicted === p;
  const toggle = (t: number, p: number | null) =>
    onFilter?.(isOn(t, p) ? null : { trueClass: t, predicted: p });
  const [normalised, setNormalised] = useState(false);
  const rowSums = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...confusion.flat());
  const big = classes.length > 12;
  return (
    <div className="card cm-card">
      <div className="cm-head">
        <h2>Confusion matrix</h2>
        <div className="segmented plain" role="group" aria-label="Confusion matrix values">
          <button
            type="button"
            className={!normalised ? 'active' : undefined}
            onClick={() => setNormalised(false)}
          >
            Counts
          </button>
          <button
            type="button"
            className={normalised ? 'active' : undefined}
            onClick={() => setNormalised(true)}
          >
            Row %
          </button>
        </div>
      </div>
      <div className="cm-wrap">
        <table className={`cm${big ? ' cm-big' : ''}`} data-testid="confusion-matrix">
          <thead>
            <tr>
              <th className="cm-corner">true ↓ · predicted →</th>
              {classes.map((c) => (
                <th key={c} scope="col" title={c}>
                  <span>{c}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {confusion.map((row, t) => (
              <tr key={classes[t]}>
                <th
                  scope="row"
                  title={`${classes[t]}: show its errors`}
                  data-testid="cm-row"
                  className={isOn(t, null) ? 'cm-selected cm-clickable' : 'cm-clickable'}
                  onClick={() => toggle(t, null)}
                >
                  {classes[t]}
                </th>
                {row.map((n, p) => {
                  const frac = rowSums[t] ? n / rowSums[t] : 0;
                  const intensity = normalised ? frac : n / max;
                  return (
                    <td
                      key={p}
                      data-testid="cm-cell"
                      data-true={t}
                      data-pred={p}
                      data-count={n}
                      className={`${t === p ? 'cm-diag ' : ''}cm-clickable${isOn(t, p) ? ' cm-selected' : ''}`}
                      onClick={() => toggle(t, p)}
                      style={{
                        background: `color-mix(in srgb, ${t === p ? 'var(--train)' : 'var(--danger)'} ${Math.round(
                          intensity * 85,
                        )}%, var(--panel))`,
                        color: intensity > 0.55 ? '#fff' : undefined,
                      }}
                      title={`${classes[t]} → ${classes[p]}: ${n} (${(frac * 100).toFixed(1)}% of ${classes[t]})`}
                    >
                      {normalised ? `${(frac * 100).toFixed(big ? 0 : 1)}%` : n}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
