/**
 * The run history: one JSON file beside the settings (config, curves and evaluation per run). Kept out
 * of the settings object itself so `getSettings` stays small. Broken records are dropped one by one;
 * writes are atomic and serialised.
 */
import { readFileSync } from 'node:fs';
import { RunRecord } from '@shared/ipc/run-record';
import { writeFileAtomic } from '../util/write-atomic';

export const MAX_RUNS = 50;

export class RunHistoryStore {
  private runs: RunRecord[];
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly location: string) {
    this.runs = load(location);
  }

  /** Newest first. */
  list(): RunRecord[] {
    return this.runs;
  }

  get(id: string): RunRecord | undefined {
    return this.runs.find((r) => r.id === id);
  }

  /** Add or replace a run (a new one goes first); the oldest beyond MAX_RUNS are forgotten. */
  put(record: RunRecord): Promise<void> {
    const i = this.runs.findIndex((r) => r.id === record.id);
    if (i >= 0) this.runs = this.runs.map((r, j) => (j === i ? record : r));
    else this.runs = [record, ...this.runs].slice(0, MAX_RUNS);
    return this.save();
  }

  remove(id: string): Promise<void> {
    this.runs = this.runs.filter((r) => r.id !== id);
    return this.save();
  }

  /** Resolves when everything written so far is on disk. */
  flushed(): Promise<void> {
    return this.writing;
  }

  private save(): Promise<void> {
    const text = JSON.stringify({ version: 1, runs: this.runs });
    this.writing = this.writing
      .then(() => writeFileAtomic(this.location, text))
      .catch((e: Error) => console.error(`[runs] cannot save ${this.location}: ${e.message}`));
    return this.writing;
  }
}

function load(file: string): RunRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const list = (raw as { runs?: unknown })?.runs;
  if (!Array.isArray(list)) return [];
  const out: RunRecord[] = [];
  for (const item of list) {
    const r = RunRecord.safeParse(item);
    if (!r.success) continue;
    const run = r.data;
    // The app (or engine) went away mid-run: the curves are real, the run did not finish.
    if (run.status === 'running' || run.status === 'stopping')
      out.push({
        ...run,
        status: 'failed',
        stage: null,
        error: run.error ?? 'The app closed while this run was training.',
      });
    else out.push(run);
  }
  return out;
}
