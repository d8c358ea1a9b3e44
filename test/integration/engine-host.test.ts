import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '@shared/engine-events';
import type { EngineStatus } from '@shared/ipc/contract';
import { describeExit, EngineHost, EngineJobError } from '../../src/main/engine-host/host';
import { nodeEngineLauncher } from '../../src/main/engine-host/launcher';
import { HYMENOPTERA, makeDataset, tempDir } from '../helpers/app';

let host: EngineHost | null = null;
afterEach(() => {
  host?.dispose();
  host = null;
});

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as EngineJobError;
  }
  throw new Error('expected the job to fail');
};

describe('engine host (real child process)', () => {
  it('runs a scan job in the engine process and streams its progress', async () => {
    const statuses: EngineStatus[] = [];
    host = new EngineHost(nodeEngineLauncher(), { onStatus: (s) => statuses.push(s) });
    expect(host.status().state).toBe('not-started');
    const events: EngineEvent[] = [];
    const { jobId, result } = host.run(
      'scan',
      { root: HYMENOPTERA, split: {} },
      { onEvent: (e) => events.push(e) },
    );
    const scan = await result;
    expect(scan.counts.train).toEqual([124, 121]);
    const stages = events.filter((e) => e.type === 'stage');
    expect(stages.length).toBeGreaterThan(1);
    expect(stages.every((e) => e.jobId === jobId)).toBe(true);
    const last = stages.at(-1)!;
    expect(last.type === 'stage' && last.done === last.total && last.total).toBe(398);
    const pid = host.status().pid;
    expect(pid).not.toBe(process.pid);
    expect(statuses.some((s) => s.state === 'busy')).toBe(true);
    expect(host.status()).toMatchObject({ state: 'idle', backend: null, jobs: [] });
    expect(host.status().memory?.rss).toBeGreaterThan(10e6);
  });

  it('reports a bad dataset as a DATASET_ERROR, not a crash', async () => {
    host = new EngineHost(nodeEngineLauncher());
    const e = await errorOf(host.run('scan', { root: '/nonexistent/dataset', split: {} }).result);
    expect(e).toBeInstanceOf(EngineJobError);
    expect(e.code).toBe('DATASET_ERROR');
    expect(e.message).toContain('/nonexistent/dataset');
    expect(host.status().state).toBe('idle');
  });

  it('survives the engine process dying mid-job and starts a fresh one for the next job', async () => {
    const tmp = await tempDir();
    try {
      await makeDataset(path.join(tmp.dir, 'ds'), { a: 30, b: 30 });
      const statuses: EngineStatus[] = [];
      host = new EngineHost(nodeEngineLauncher(), { onStatus: (s) => statuses.push(s) });
      let killed = false;
      const { result } = host.run(
        'scan',
        { root: HYMENOPTERA, split: {} },
        {
          onEvent: () => {
            const pid = host!.status().pid;
            if (!killed && pid) {
              killed = true;
              process.kill(pid, 'SIGKILL'); // what the OOM killer does
            }
          },
        },
      );
      const e = await errorOf(result);
      expect(e.code).toBe('ENGINE_CRASHED');
      expect(e.message).toMatch(/killed/);
      expect(e.message).toContain('next job starts a fresh engine');
      const crashed = host.status();
      expect(crashed.state).toBe('crashed');
      expect(crashed.lastCrash?.message).toBe(e.message);
      expect(statuses.some((s) => s.state === 'crashed')).toBe(true);

      const again = await host.run('scan', { root: path.join(tmp.dir, 'ds'), split: {} }).result;
      expect(again.files).toHaveLength(60);
      expect(host.status()).toMatchObject({ state: 'idle', starts: 2 });
    } finally {
      await tmp.cleanup();
    }
  });

  it('cancels a running job at once and keeps the engine usable', async () => {
    host = new EngineHost(nodeEngineLauncher(), { stopGraceMs: 5000 });
    let jobId = '';
    let first: Promise<unknown> = Promise.resolve();
    const started = new Promise<void>((resolve) => {
      const r = host!.run('scan', { root: HYMENOPTERA, split: {} }, { onEvent: () => resolve() });
      jobId = r.jobId;
      first = r.result;
    });
    const job = host.run('scan', { root: HYMENOPTERA, split: {} });
    await started;
    const t0 = Date.now();
    expect(host.cancel(job.jobId)).toBe(true);
    const e = await errorOf(job.result);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(e.code).toBe('CANCELLED');
    expect(host.cancel(job.jobId)).toBe(false);
    expect(host.status().jobs.map((j) => j.jobId)).toEqual([jobId]);
    // The other job was untouched by the cancel.
    expect(((await first) as { files: unknown[] }).files).toHaveLength(398);
  });

  it('explains how the process died', () => {
    expect(
      describeExit({
        code: 134,
        signal: null,
        stderrTail: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      }),
    ).toMatch(/ran out of memory/);
    expect(describeExit({ code: null, signal: 'SIGKILL', stderrTail: '' })).toMatch(/killed/);
    expect(describeExit({ code: 3, signal: null, stderrTail: 'Error: boom\n' })).toMatch(/code 3.*boom/);
    expect(describeExit({ code: 0, signal: null, reason: 'oom', stderrTail: '' })).toMatch(/out of memory/);
  });
});
