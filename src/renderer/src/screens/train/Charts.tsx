/**
 * Training curves with recharts: per-epoch train/validation points, a smoothed per-batch line, and a
 * marker where fine-tuning starts. Animations are off: updates arrive ≤ 10/s and must draw at once.
 */
import { memo, useMemo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { BatchPoint } from '@shared/ipc/run-record';
import type { EpochMetrics } from '@shared/engine-events';
import { smoothEma } from '../../lib/smooth';

export const TOOLTIP_STYLE = {
  background: 'var(--panel)',
  border: '1px solid var(--border)',
  color: 'var(--text)',
};
const TICK = { fill: 'var(--muted)', fontSize: 12 };

interface Props {
  title: string;
  metric: 'loss' | 'acc';
  epochs: EpochMetrics[];
  batches: BatchPoint[];
  fineTuneStart: number | null;
  /** Right end of the x axis (the planned number of epochs), so the axis does not jump as points arrive. */
  xMax: number;
  testId: string;
}

export const MetricChart = memo(function MetricChart({
  title,
  metric,
  epochs,
  batches,
  fineTuneStart,
  xMax,
  testId,
}: Props) {
  const smoothed = useMemo(() => {
    const ys = smoothEma(
      batches.map((b) => b[metric]),
      0.6,
    );
    return batches.map((b, i) => ({ x: b.x, batch: ys[i] }));
  }, [batches, metric]);
  const perEpoch = useMemo(
    () =>
      epochs.map((e) => ({
        x: e.epoch,
        train: metric === 'loss' ? e.loss : e.acc,
        val: metric === 'loss' ? e.valLoss : e.valAcc,
      })),
    [epochs, metric],
  );
  const fmt = (v: number) => (metric === 'acc' ? `${Math.round(v * 100)}%` : v.toFixed(2));
  return (
    <div className="card chart-card" data-testid={testId} data-points={epochs.length + batches.length}>
      <h2>{title}</h2>
      <div style={{ width: '100%', height: 240 }}>
        <ResponsiveContainer>
          <LineChart margin={{ top: 6, right: 16, bottom: 6, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis
              dataKey="x"
              type="number"
              domain={[0, Math.max(1, xMax)]}
              allowDecimals={false}
              tick={TICK}
              label={{
                value: 'epoch',
                position: 'insideBottomRight',
                offset: -2,
                fill: 'var(--muted)',
                fontSize: 11,
              }}
            />
            <YAxis
              tick={TICK}
              width={48}
              tickFormatter={fmt}
              domain={metric === 'acc' ? [0, 1] : [0, 'auto']}
              allowDataOverflow={false}
            />
            <Tooltip
              contentStyle={TOOLTIP_STYLE}
              formatter={(v) => (typeof v === 'number' ? fmt(v) : String(v))}
              labelFormatter={(x) => `epoch ${Number(x).toFixed(2)}`}
            />
            <Legend />
            {fineTuneStart !== null && (
              <ReferenceLine
                x={fineTuneStart}
                stroke="var(--test)"
                strokeDasharray="4 3"
                label={{ value: 'fine-tune', fill: 'var(--test)', fontSize: 11, position: 'insideTopLeft' }}
              />
            )}
            <Line
              data={smoothed}
              dataKey="batch"
              name="train (per batch, smoothed)"
              stroke="var(--train)"
              strokeOpacity={0.45}
              dot={false}
              isAnimationActive={false}
            />
            <Line
              data={perEpoch}
              dataKey="train"
              name="train (epoch)"
              stroke="var(--train)"
              strokeWidth={2}
              isAnimationActive={false}
            />
            <Line
              data={perEpoch}
              dataKey="val"
              name="validation (epoch)"
              stroke="var(--val)"
              strokeWidth={2}
              isAnimationActive={false}
              connectNulls
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
});

export const LrChart = memo(function LrChart({ epochs, xMax }: { epochs: EpochMetrics[]; xMax: number }) {
  const data = useMemo(() => epochs.map((e) => ({ x: e.epoch, lr: e.lr })), [epochs]);
  return (
    <div className="card chart-card" data-testid="lr-chart">
      <h2>Learning rate</h2>
      <div style={{ width: '100%', height: 120 }}>
        <ResponsiveContainer>
          <LineChart data={data} margin={{ top: 6, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis
              dataKey="x"
              type="number"
              domain={[0, Math.max(1, xMax)]}
              allowDecimals={false}
              tick={TICK}
            />
            <YAxis
              scale="log"
              domain={['auto', 'auto']}
              tick={TICK}
              width={48}
              tickFormatter={(v: number) => v.toExponential(0)}
            />
            <Tooltip
              contentStyle={TOOLTIP_STYLE}
              formatter={(v) => (typeof v === 'number' ? v.toExponential(1) : String(v))}
            />
            <Line dataKey="lr" type="stepAfter" stroke="var(--test)" isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
});
