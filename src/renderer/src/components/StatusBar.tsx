import { plannedEpochs } from '@shared/run-state';
import { useAppState } from '../state/app-state';
import { useRuns } from '../state/runs';
import { formatBytes, percent } from '../lib/format';

const STATE_TEXT = {
  'not-started': 'not started',
  starting: 'starting…',
  idle: 'idle',
  busy: 'busy',
  crashed: 'stopped (crashed)',
} as const;

export function StatusBar() {
  const { engine, jobs, connection, info } = useAppState();
  const { active, lastBatch } = useRuns();
  const running = Object.values(jobs);
  // Training is the job worth reporting when there is one; its epochs say more than a stage percentage.
  const job = running.find((j) => j.kind === 'train') ?? running[0];
  const epochs = active ? plannedEpochs(active.config) : 0;
  const training = job?.kind === 'train' && lastBatch?.jobId === job.jobId ? lastBatch : null;
  const progress = training
    ? ` — epoch ${training.epoch}/${epochs}`
    : job && job.total > 0
      ? ` — ${job.kind === 'train' && job.stage ? `${job.stage} ` : ''}${percent(job.done, job.total)}%`
      : '…';
  const mem = engine?.memory;
  return (
    <footer className="statusbar" aria-label="Status">
      {info?.mode === 'browser' && (
        <span className={`status-item conn-${connection}`} data-testid="status-connection">
          Server:{' '}
          {connection === 'open'
            ? 'connected'
            : connection === 'connecting'
              ? 'connecting…'
              : connection === 'unauthorized'
                ? 'token no longer valid — open the URL the server printed'
                : 'disconnected, retrying…'}
        </span>
      )}
      <span className={`status-item engine-${engine?.state ?? 'unknown'}`} data-testid="status-engine">
        <span className="dot" aria-hidden="true" />
        Engine: {engine ? STATE_TEXT[engine.state] : '…'}
      </span>
      <span className="status-item" data-testid="status-backend">
        Backend: {engine?.backend ?? 'not started'}
      </span>
      <span className="status-item" data-testid="status-device">
        Device: {engine?.device ?? '—'}
      </span>
      <span className="status-item" data-testid="status-runtime" title={engine?.runtime ?? undefined}>
        {/* The line's head says what runs; the reasons better devices were not used are in the tooltip. */}
        Frozen base: {engine?.runtime ? engine.runtime.split(' — ')[0] : 'not started'}
      </span>
      <span
        className="status-item"
        data-testid="status-memory"
        title={mem ? `heap ${formatBytes(mem.heapUsed)}` : undefined}
      >
        Memory: {mem ? formatBytes(mem.rss) : '—'}
        {mem?.tensors != null && ` · ${mem.tensors} tensors (${formatBytes(mem.tensorBytes ?? 0)})`}
      </span>
      <span className="status-item status-job" data-testid="status-job">
        {job
          ? `${job.label}${progress}${running.length > 1 ? ` (+${running.length - 1} more)` : ''}`
          : 'No job running'}
      </span>
    </footer>
  );
}
