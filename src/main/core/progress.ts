/**
 * Taskbar/dock progress for long jobs (training, export, scans, downloads), from the event bus: a
 * fraction in [0, 1], or null when no long job runs. Electron feeds it to BrowserWindow.setProgressBar;
 * pure so it is unit-tested without Electron.
 */
import type { EventPayload } from '@shared/ipc/contract';
import { plannedEpochs } from '@shared/run-state';
import type { EventSink } from './event-bus';

const LONG_JOBS = new Set(['train', 'export', 'scan', 'describeBase']);
/** Share of a training run's bar given to feature extraction (the rest is epochs). */
const EXTRACT_SHARE = 0.25;

interface Tracked {
  kind: string;
  fraction: number;
  epochs: number | null;
}

export function taskbarProgress(onChange: (fraction: number | null) => void): EventSink {
  const jobs = new Map<string, Tracked>();
  let shown: number | null = null;
  const publish = () => {
    const current = [...jobs.values()].at(-1);
    const f = current ? Math.max(0, Math.min(1, current.fraction)) : null;
    // Skip changes nobody could see (< 0.5 %) to spare the OS.
    if (f === shown || (f !== null && shown !== null && Math.abs(f - shown) < 0.005 && f < 1)) return;
    shown = f;
    onChange(f);
  };
  return (event, payload) => {
    switch (event) {
      case 'jobState': {
        const p = payload as EventPayload<'jobState'>;
        if (!LONG_JOBS.has(p.kind)) return;
        if (p.state === 'running') jobs.set(p.jobId, { kind: p.kind, fraction: 0, epochs: null });
        else jobs.delete(p.jobId);
        break;
      }
      case 'runUpdate': {
        const p = payload as EventPayload<'runUpdate'>;
        const j = jobs.get(p.id);
        if (j) j.epochs = plannedEpochs(p.config);
        return;
      }
      case 'jobProgress': {
        const p = payload as EventPayload<'jobProgress'>;
        const j = jobs.get(p.jobId);
        if (!j || p.total <= 0) return;
        const f = p.done / p.total;
        if (j.kind !== 'train') j.fraction = f;
        else if (p.stage === 'extract') j.fraction = EXTRACT_SHARE * f;
        else return;
        break;
      }
      case 'jobBatch':
      case 'jobEpoch': {
        const p = payload as EventPayload<'jobBatch'>;
        const j = jobs.get(p.jobId);
        if (!j || !j.epochs) return;
        const within = event === 'jobBatch' ? p.batch / p.batches : 1;
        j.fraction = EXTRACT_SHARE + (1 - EXTRACT_SHARE) * ((p.epoch - 1 + within) / j.epochs);
        break;
      }
      default:
        return;
    }
    publish();
  };
}
