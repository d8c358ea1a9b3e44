import type { EngineEvent, Stage } from '@shared/engine-events';
import type { DownloadProgress } from '../bases/download';

const STAGE_LABEL: Record<Stage, string> = {
  scan: 'Scanning',
  'load-base': 'Loading base',
  extract: 'Features',
  train: 'Training',
  'fine-tune': 'Fine-tuning',
  evaluate: 'Evaluating',
  export: 'Exporting',
};

const bar = (frac: number, width = 24) => {
  const n = Math.round(Math.max(0, Math.min(1, frac)) * width);
  return `[${'#'.repeat(n)}${'-'.repeat(width - n)}]`;
};

const fmtMs = (ms: number) =>
  ms >= 60_000
    ? `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`
    : `${(ms / 1000).toFixed(1)}s`;

const fmtBytes = (n: number) =>
  n >= 1e9
    ? `${(n / 1e9).toFixed(2)} GB`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(1)} MB`
      : `${Math.round(n / 1e3)} kB`;

/** One line of download progress: bar, bytes, speed, ETA (what is known of them). */
export function downloadLine(label: string, p: Omit<DownloadProgress, 'url'>): string {
  const parts = [
    `Downloading ${label}`,
    ...(p.total ? [bar(p.bytes / p.total)] : []),
    p.total ? `${fmtBytes(p.bytes)} / ${fmtBytes(p.total)}` : fmtBytes(p.bytes),
  ];
  const rest = [
    ...(p.bytesPerSec > 0 ? [`${fmtBytes(p.bytesPerSec)}/s`] : []),
    ...(p.etaMs !== null ? [`ETA ${fmtMs(p.etaMs)}`] : []),
    ...(p.resumedFrom > 0 ? [`resumed at ${fmtBytes(p.resumedFrom)}`] : []),
  ];
  return [parts.join(' '), ...rest].join(' · ');
}

/** Human progress on stderr: one redrawn line on a TTY, epoch lines always. */
export class ProgressPrinter {
  private lastDraw = 0;
  private downloading = false;
  constructor(
    private out: NodeJS.WriteStream,
    private tty = Boolean(out.isTTY),
  ) {}

  private line(text: string, force = false) {
    if (!this.tty) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 80) return;
    this.lastDraw = now;
    this.out.write(`\r\x1b[2K${text}`);
  }

  private println(text: string) {
    if (this.tty) this.out.write('\r\x1b[2K');
    this.out.write(`${text}\n`);
  }

  handle(e: EngineEvent): void {
    switch (e.type) {
      case 'download':
        this.downloading = !e.done;
        this.download(e.label, e);
        break;
      case 'stage':
        // While a base downloads, its line says more than the stage's bar.
        if (e.stage === 'load-base' && this.downloading) break;
        this.line(
          `${STAGE_LABEL[e.stage]} ${bar(e.total ? e.done / e.total : 0)} ${e.done}/${e.total}`,
          e.done === e.total,
        );
        if (e.done === e.total && e.total > 0 && e.stage === 'extract')
          this.println(`Features: ${e.total} done`);
        break;
      case 'batch':
        this.line(
          `${e.phase === 'fine-tune' ? 'Fine-tune' : 'Train'} epoch ${e.epoch} ${bar(e.batch / e.batches)} loss ${e.loss.toFixed(4)} acc ${e.acc.toFixed(3)} · ${e.imagesPerSec.toFixed(0)} img/s · ETA ${fmtMs(e.etaMs)}`,
        );
        break;
      case 'epoch':
        this.println(
          `${e.phase === 'fine-tune' ? 'fine-tune ' : ''}epoch ${String(e.epoch).padStart(3)}/${e.epochs}  loss ${e.loss.toFixed(4)}  acc ${e.acc.toFixed(3)}` +
            (e.valLoss !== null
              ? `  val_loss ${e.valLoss.toFixed(4)}  val_acc ${e.valAcc!.toFixed(3)}`
              : '') +
            `${e.best ? '  *' : ''}  (${fmtMs(e.elapsedMs)})`,
        );
        break;
      case 'problem':
        this.println(`skipped ${e.problem.rel}: ${e.problem.reason}`);
        break;
      case 'log':
        this.println(`${e.level === 'warn' ? 'warning: ' : ''}${e.message}`);
        break;
    }
  }

  /** Download progress (from `downloadFile`'s onProgress): a redrawn line, then one line when done. */
  download(label: string, p: Omit<DownloadProgress, 'url'>): void {
    if (p.done) this.println(`Downloaded ${label} (${fmtBytes(p.bytes)})`);
    else this.line(downloadLine(label, p));
  }

  done(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }
}

/** Plain text table with right-aligned numeric columns. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) =>
    r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(3)) : c)),
  );
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .join('\n');
}
