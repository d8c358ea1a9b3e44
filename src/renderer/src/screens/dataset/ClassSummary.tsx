/** Per-class counts by split, the class-balance chart and its warnings. */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetView } from '@shared/ipc/contract';
import { balanceWarnings } from '../../lib/imbalance';
import { formatCount } from '../../lib/format';

const SPLITS = ['train', 'val', 'test'] as const;

export function classTotals(d: DatasetView): number[] {
  return d.classes.map((_, i) => d.counts.train[i] + d.counts.val[i] + d.counts.test[i]);
}

export function ClassSummary({ dataset }: { dataset: DatasetView }) {
  const totals = classTotals(dataset);
  const hasTest = dataset.counts.test.some((n) => n > 0);
  const splits = hasTest ? SPLITS : SPLITS.slice(0, 2);
  const sum = (s: (typeof SPLITS)[number]) => dataset.counts[s].reduce((a, b) => a + b, 0);
  const warnings = balanceWarnings(dataset.classes, totals);
  const data = dataset.classes.map((name, i) => ({
    name,
    train: dataset.counts.train[i],
    val: dataset.counts.val[i],
    test: dataset.counts.test[i],
  }));
  const chartHeight = Math.min(420, Math.max(220, dataset.classes.length * 18));

  return (
    <div className="class-summary">
      <div className="card">
        <h2>Classes</h2>
        <div className="table-wrap">
          <table className="class-table" data-testid="class-table">
            <thead>
              <tr>
                <th scope="col">Class</th>
                {splits.map((s) => (
                  <th scope="col" key={s} className="num">
                    {s}
                  </th>
                ))}
                <th scope="col" className="num">
                  total
                </th>
              </tr>
            </thead>
            <tbody>
              {dataset.classes.map((c, i) => (
                <tr key={c} data-class={c}>
                  <th scope="row">{c}</th>
                  {splits.map((s) => (
                    <td key={s} className="num" data-split={s}>
                      {formatCount(dataset.counts[s][i])}
                    </td>
                  ))}
                  <td className="num" data-split="total">
                    {formatCount(totals[i])}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{dataset.classes.length} classes</th>
                {splits.map((s) => (
                  <td key={s} className="num">
                    {formatCount(sum(s))}
                  </td>
                ))}
                <td className="num">{formatCount(totals.reduce((a, b) => a + b, 0))}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      </div>
      <div className="card chart-card">
        <h2>Class balance</h2>
        <div style={{ width: '100%', height: chartHeight }} data-testid="balance-chart">
          <ResponsiveContainer>
            <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
              <XAxis
                dataKey="name"
                tick={{ fill: 'var(--muted)', fontSize: 12 }}
                interval="preserveStartEnd"
              />
              <YAxis tick={{ fill: 'var(--muted)', fontSize: 12 }} allowDecimals={false} />
              <Tooltip
                contentStyle={{
                  background: 'var(--panel)',
                  border: '1px solid var(--border)',
                  color: 'var(--text)',
                }}
              />
              <Legend />
              <Bar dataKey="train" stackId="n" fill="var(--train)" isAnimationActive={false} />
              <Bar dataKey="val" stackId="n" fill="var(--val)" isAnimationActive={false} />
              {hasTest && <Bar dataKey="test" stackId="n" fill="var(--test)" isAnimationActive={false} />}
            </BarChart>
          </ResponsiveContainer>
        </div>
      </div>
      {warnings.length > 0 && (
        <div className="warnings" role="status" data-testid="balance-warnings">
          <strong>Class balance</strong>
          <ul>
            {warnings.map((w) => (
              <li key={`${w.kind}-${w.className}`}>{w.message}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
