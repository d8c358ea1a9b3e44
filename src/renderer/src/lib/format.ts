/** Numbers, sizes, durations and shapes as the screens print them. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

export function baseName(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? rel : rel.slice(i + 1);
}

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`;

/** "1,234" / "12.3k" / "4.56M" parameters. */
export function formatParams(n: number): string {
  if (n < 10_000) return n.toLocaleString('en-US');
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(2)}M`;
}

export const formatShape = (shape: number[]) => `[${shape.join(', ')}]`;

/** A download's progress as the base card prints it: "12 MB of 58 MB · 2.1 MB/s · 22 s left". */
export function formatDownload(p: {
  bytes: number;
  total: number | null;
  bytesPerSec: number;
  etaMs: number | null;
}): string {
  const parts = [p.total ? `${formatBytes(p.bytes)} of ${formatBytes(p.total)}` : formatBytes(p.bytes)];
  if (p.bytesPerSec > 0) parts.push(`${formatBytes(p.bytesPerSec)}/s`);
  if (p.etaMs !== null && Number.isFinite(p.etaMs)) parts.push(`${formatDuration(p.etaMs)} left`);
  return parts.join(' · ');
}
