/**
 * Measuring for the benchmarks: wall time of a section plus how busy the machine was meanwhile (load
 * average, this process's own CPU time and the CPU time other processes used — Linux /proc; null
 * elsewhere, `foreignCpuShare` the fraction of all cores' time used by others), temp folders, logging.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
export const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

/** The value given after a command-line flag (`--seeds 1,2,3`), or undefined. */
export function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
/**
 * `--repeats N` for autoHead: the k-fold drawn N times on every training vector. The cost budget is
 * lifted, or an explicit repeat count past it would rank the candidates on a sample instead.
 */
export function cvRepeatsArg(): { repeats: number; budget: { fitVectors: number } } | undefined {
  const n = arg('--repeats');
  return n ? { repeats: Number(n), budget: { fitVectors: Infinity } } : undefined;
}
const tmpDirs: string[] = [];
export async function tmp(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

const CLK_TCK = 100;
/** CPU seconds: all cores busy, and this process (all threads) plus its waited-for children. */
async function cpuTimes(): Promise<{ system: number; own: number } | null> {
  try {
    const stat = (await readFile('/proc/stat', 'utf8'))
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    const system = (stat[0] + stat[1] + stat[2] + stat[5] + stat[6] + (stat[7] ?? 0)) / CLK_TCK;
    const self = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1].split(' ');
    // Fields after "(comm) ": utime=12, stime=13, cutime=14, cstime=15 (0-based from state).
    const own = (Number(self[11]) + Number(self[12]) + Number(self[13]) + Number(self[14])) / CLK_TCK;
    return { system, own };
  } catch {
    return null;
  }
}

export interface Load {
  loadAvg1AtStart: number;
  /** CPU seconds this process (all its threads, and waited-for children) used. */
  ownCpuS: number | null;
  foreignCpuS: number | null;
  foreignCpuShare: number | null;
}

export async function measured<T>(
  label: string,
  fn: () => Promise<T>,
): Promise<{ result: T; wallS: number; load: Load }> {
  log(`${label}…`);
  const load1 = os.loadavg()[0];
  const c0 = await cpuTimes();
  const t0 = performance.now();
  const result = await fn();
  const wallS = (performance.now() - t0) / 1000;
  const c1 = await cpuTimes();
  const foreign = c0 && c1 ? Math.max(0, c1.system - c0.system - (c1.own - c0.own)) : null;
  const load: Load = {
    loadAvg1AtStart: round(load1),
    ownCpuS: c0 && c1 ? round(c1.own - c0.own, 2) : null,
    foreignCpuS: foreign === null ? null : round(foreign, 1),
    foreignCpuShare: foreign === null ? null : round(foreign / (wallS * os.availableParallelism()), 3),
  };
  log(`${label}: ${wallS.toFixed(1)} s (others used ${load.foreignCpuS ?? '?'} CPU s)`);
  return { result, wallS, load };
}

export async function removeTmpDirs(): Promise<void> {
  await Promise.all(tmpDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}
