/** A base card's download: bar, bytes, speed, time left, and Cancel (stops the engine job). */
import type { EventPayload } from '@shared/ipc/contract';
import { call } from '../../api/client';
import { ProgressBar } from '../../components/ProgressBar';
import { formatDownload } from '../../lib/format';

export type Download = EventPayload<'jobDownload'>;

export function DownloadStatus({ d }: { d: Download }) {
  return (
    <div className="base-download" data-testid="base-download">
      <ProgressBar done={d.bytes} total={d.total ?? 0} label={`Downloading ${d.label}`} />
      <span className="muted small">{formatDownload(d)}</span>
      <div className="base-card-actions">
        <button
          type="button"
          onClick={(e) => {
            e.stopPropagation();
            void call('cancelJob', { jobId: d.jobId }).catch(() => undefined);
          }}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
