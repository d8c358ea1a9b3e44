/** Helpers of the UI bench: frame-interval statistics and per-process memory (Linux /proc). */
import { readdir, readFile } from 'node:fs/promises';

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Frame intervals (ms): how many, median, p95, worst, and how many took over 100 ms (a visible stall). */
export function stats(frames: number[]) {
  const s = [...frames].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? round1(s[Math.min(s.length - 1, Math.floor(s.length * q))]) : null);
  return {
    frames: s.length,
    medianMs: at(0.5),
    p95Ms: at(0.95),
    maxMs: s.length ? round1(s[s.length - 1]) : null,
    over100Ms: s.filter((f) => f > 100).length,
  };
}

async function proc(pid: number): Promise<{ rssMB: number; peakMB: number; cmd: string } | null> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    return { rssMB: round1(kb('VmRSS') / 1024), peakMB: round1(kb('VmHWM') / 1024), cmd };
  } catch {
    return null;
  }
}

async function children(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => null);
    if (stat && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
  }
  return out;
}

async function descendants(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(await children(out[i])));
  return out;
}

/** The browser process Playwright started (a child of this process, not a renderer or helper). */
export async function chromiumPid(): Promise<number> {
  for (const pid of await children(process.pid)) {
    const p = await proc(pid);
    if (p && /chrom/i.test(p.cmd) && !p.cmd.includes('--type=')) return pid;
  }
  throw new Error('no Chromium process found among this process’s children');
}

/** RSS now and high-water mark of main (the serve process), its engine process and Chromium's renderer. */
export async function processMemory(servePid: number, browserPid: number) {
  const main = await proc(servePid);
  let engine = null;
  for (const pid of await descendants(servePid)) {
    const p = pid === servePid ? null : await proc(pid);
    if (p && /engine-host|process\.ts/.test(p.cmd)) engine = p;
  }
  const renderers = [];
  for (const pid of await descendants(browserPid)) {
    const p = await proc(pid);
    if (p && p.cmd.includes('--type=renderer')) renderers.push(p);
  }
  const strip = (p: { rssMB: number; peakMB: number } | null) => p && { rssMB: p.rssMB, peakMB: p.peakMB };
  return {
    main: strip(main),
    engine: strip(engine),
    // The page's renderer is the largest one (others are spare or utility renderers).
    renderer: strip(renderers.sort((a, b) => b.rssMB - a.rssMB)[0] ?? null),
  };
}
