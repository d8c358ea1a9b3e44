/**
 * Per-batch training events, thinned for IPC: at most one report per `intervalMs`, carrying the mean
 * loss/accuracy of the batches since the previous report (so a smoothed line drawn from them still
 * reflects every batch). Epoch events are never thinned: the caller passes them straight through and
 * calls `epochEnd()` first.
 */
import type { EngineEvent } from '@shared/engine-events';

type BatchEvent = Extract<EngineEvent, { type: 'batch' }>;

export interface BatchThrottle {
  push(e: BatchEvent): void;
  /** An epoch ended: report its remaining batches if a report is due, else drop them (the epoch event covers them). */
  epochEnd(): void;
  /** Report whatever is pending (end of the run). */
  flush(): void;
}

export function batchThrottle(
  intervalMs: number,
  emit: (e: BatchEvent) => void,
  now: () => number = Date.now,
): BatchThrottle {
  let last = -Infinity;
  let pending: { loss: number; acc: number; n: number; latest: BatchEvent } | null = null;
  const due = () => now() - last >= intervalMs;
  const flush = () => {
    if (!pending) return;
    emit({ ...pending.latest, loss: pending.loss / pending.n, acc: pending.acc / pending.n });
    pending = null;
    last = now();
  };
  return {
    push(e) {
      // A new epoch or phase starts a new average.
      if (pending && (pending.latest.epoch !== e.epoch || pending.latest.phase !== e.phase)) pending = null;
      pending = pending
        ? { loss: pending.loss + e.loss, acc: pending.acc + e.acc, n: pending.n + 1, latest: e }
        : { loss: e.loss, acc: e.acc, n: 1, latest: e };
      if (due()) flush();
    },
    epochEnd() {
      if (due()) flush();
      else pending = null;
    },
    flush() {
      if (due()) flush();
      else pending = null;
    },
  };
}
