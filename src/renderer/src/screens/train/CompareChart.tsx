/** Two runs' per-epoch curves on one chart. */
import { useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { EpochMetrics } from '@shared/engine-events';
import type { RunView } from '@shared/ipc/run-record';
import { runLabel } from '../../lib/run-labels';
import { TOOLTIP_STYLE } from './Charts';

const METRICS = {
  valAcc: { label: 'Validation accuracy', acc: true },
  valLoss: { label: 'Validation loss', acc: false },
  acc: { label: 'Training accuracy', acc: true },
  loss: { label: 'Training loss', acc: false },
} as const;
type Metric = keyof typeof METRICS;
const COLORS = ['var(--train)', 'var(--val)'];

export function CompareChart({ runs }: { runs: RunView[] }) {
  const [metric, setMetric] = useState<Metric>('valAcc');
  const series = useMemo(
    () => runs.map((r) => r.epochs.map((e: EpochMetrics) => ({ x: e.epoch, y: e[metric] }))),
    [runs, metric],
  );
  const acc = METRICS[metric].acc;
  const fmt = (v: number) => (acc ? `${Math.round(v * 100)}%` : v.toFixed(2));
  return (
    <div className="card chart-card" data-testid="compare-chart">
      <div className="compare-head">
        <h2>Compare runs</h2>
        <select
          aria-label="Compared metric"
          value={metric}
          onChange={(e) => setMetric(e.target.value as Metric)}
        >
          {(Object.keys(METRICS) as Metric[]).map((m) => (
            <option key={m} value={m}>
              {METRICS[m].label}
            </option>
          ))}
        </select>
      </div>
      <div style={{ width: '100%', height: 260 }}>
        <ResponsiveContainer>
          <LineChart margin={{ top: 6, right: 16, bottom: 6, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis
              dataKey="x"
              type="number"
              allowDecimals={false}
              domain={[0, 'dataMax']}
              tick={{ fill: 'var(--muted)', fontSize: 12 }}
            />
            <YAxis
              tickFormatter={fmt}
              width={48}
              domain={acc ? [0, 1] : [0, 'auto']}
              tick={{ fill: 'var(--muted)', fontSize: 12 }}
            />
            <Tooltip
              contentStyle={TOOLTIP_STYLE}
              formatter={(v) => (typeof v === 'number' ? fmt(v) : String(v))}
            />
            <Legend />
            {runs.map((r, i) => (
              <Line
                key={r.id}
                data={series[i]}
                dataKey="y"
                name={runLabel(r)}
                stroke={COLORS[i % COLORS.length]}
                strokeWidth={2}
                isAnimationActive={false}
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
