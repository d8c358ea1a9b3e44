/**
 * Peak memory of a process and all its descendants (Linux /proc): samples VmRSS of the whole tree every
 * `intervalMs` (the peak of the sum) and keeps each process's own high-water mark (VmHWM, exact even
 * between samples). Extraction worker threads live inside their process, so they are included.
 */
import { readdir, readFile } from 'node:fs/promises';

interface ProcPeak {
  pid: number;
  command: string;
  peakRssMB: number;
}

async function status(pid: number): Promise<{ rssKB: number; hwmKB: number; name: string } | null> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rssKB: field('VmRSS'), hwmKB: field('VmHWM'), name: /^Name:\s+(.*)$/m.exec(text)?.[1] ?? '?' };
  } catch {
    return null;
  }
}

async function descendants(root: number): Promise<number[]> {
  const parent = new Map<number, number>();
  for (const e of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => null);
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parent.set(Number(e), ppid);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
}

async function cmdline(pid: number): Promise<string> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter(Boolean).slice(0, 6).join(' ').slice(0, 160);
}

export class TreeSampler {
  private timer: NodeJS.Timeout | null = null;
  private peaks = new Map<number, ProcPeak>();
  private peakTreeKB = 0;
  private samples = 0;
  private busy = false;
  constructor(
    private readonly root: number,
    private readonly intervalMs = 200,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    void this.sample();
    return this;
  }

  private async sample() {
    if (this.busy) return;
    this.busy = true;
    try {
      let tree = 0;
      for (const pid of await descendants(this.root)) {
        const s = await status(pid);
        if (!s) continue;
        tree += s.rssKB;
        const p = this.peaks.get(pid) ?? { pid, command: (await cmdline(pid)) || s.name, peakRssMB: 0 };
        p.peakRssMB = Math.max(p.peakRssMB, Math.round(Math.max(s.hwmKB, s.rssKB) / 1024));
        this.peaks.set(pid, p);
      }
      this.peakTreeKB = Math.max(this.peakTreeKB, tree);
      this.samples++;
    } finally {
      this.busy = false;
    }
  }

  /** Call before the root exits (its /proc entry disappears), e.g. on its last stdout line. */
  async stop(): Promise<{ peakTreeRssMB: number; processes: ProcPeak[]; samples: number }> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    await this.sample();
    return {
      peakTreeRssMB: Math.round(this.peakTreeKB / 1024),
      processes: [...this.peaks.values()].sort((a, b) => b.peakRssMB - a.peakRssMB),
      samples: this.samples,
    };
  }
}
