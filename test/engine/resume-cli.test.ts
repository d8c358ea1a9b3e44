/**
 * `train --resume <run dir>` (issue 10 §3) through the CLI a user runs: a run SIGKILLed mid-epoch and
 * resumed ends with the model an uninterrupted run of the same seed exports; a folder that cannot be
 * resumed is one line, exit 2.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HYMENOPTERA } from '../helpers/shared';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const MAIN = path.join(ROOT, 'src/main/engine/cli/main.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-resume-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cacheDir = path.join(tmp, 'cache');
const data = path.join(tmp, 'data');

beforeAll(() => {
  // 20 photos a class (root/<class>: 32 train, 8 val); batch 4 gives 8 batches an epoch.
  for (const cls of ['ants', 'bees']) {
    mkdirSync(path.join(data, cls), { recursive: true });
    const src = path.join(HYMENOPTERA, 'train', cls);
    for (const f of readdirSync(src)
      .filter((n) => n.endsWith('.jpg'))
      .slice(0, 20))
      copyFileSync(path.join(src, f), path.join(data, cls, f));
  }
});

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
}

/** The CLI under node with tsx's loader (so a SIGKILL hits the trainer, not a tsx wrapper). */
function cli(args: string[], killWhen?: (e: Record<string, unknown>) => boolean) {
  return new Promise<Result>((resolve) => {
    const p = spawn(process.execPath, ['--import', TSX_LOADER, MAIN, ...args], { cwd: tmp });
    const r: Result = { code: null, signal: null, stdout: '', stderr: '', events: [] };
    let pending = '';
    p.stdout.on('data', (d: Buffer) => {
      r.stdout += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) {
        const e = JSON.parse(l) as Record<string, unknown>;
        r.events.push(e);
        if (killWhen?.(e)) p.kill('SIGKILL');
      }
    });
    p.stderr.on('data', (d) => (r.stderr += d));
    p.on('close', (code, signal) => resolve({ ...r, code, signal }));
  });
}

// The Keras head has dropout: its masks come from (seed, step), so the resume must restore the step.
const TRAIN = [
  'train',
  '--data',
  data,
  '--base',
  'mobilenet_v1_0.25_224',
  '--head',
  'keras',
  '--epochs',
  '6',
  '--patience',
  '6',
  '--batch-size',
  '4',
  '--seed',
  '7',
  '--cache-dir',
  cacheDir,
  '--format',
  'tfjs',
  '--json',
];

const epochsOf = (r: Result) => r.events.filter((e) => e.type === 'epoch');
const summaryOf = (r: Result) => r.events.at(-1) as { type: string; accuracy: number; epochs: number };
const weightsOf = (dir: string) => {
  const b = readFileSync(path.join(dir, 'tfjs', 'weights.bin'));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

/** One line, `error: …`, exit 2, no stack. */
function expectOneLineError(r: Result, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(/^error: /);
  expect(lines.at(-1)).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('train --resume', () => {
  let reference: Result;
  const refDir = path.join(tmp, 'reference');
  const killedDir = path.join(tmp, 'killed');

  it('an uninterrupted run: its output folder records the finished run, without checkpoints', async () => {
    reference = await cli([...TRAIN, '--out', refDir]);
    expect(reference.code, reference.stderr).toBe(0);
    expect(epochsOf(reference)).toHaveLength(6);
    const files = readdirSync(refDir).sort();
    expect(files).toEqual(['run.json', 'scan.json', 'tfjs']);
    expect(JSON.parse(readFileSync(path.join(refDir, 'run.json'), 'utf8')).state).toBe('done');
  });

  it('SIGKILL in epoch 4, then --resume: epochs 4–6 only, the same metrics and exported weights', async () => {
    const killed = await cli(
      [...TRAIN, '--out', killedDir],
      (e) => e.type === 'batch' && e.epoch === 4 && (e.batch as number) >= 3,
    );
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(epochsOf(killed)).toHaveLength(3);
    expect(readdirSync(killedDir)).toContain('checkpoint.bin');
    expect(JSON.parse(readFileSync(path.join(killedDir, 'run.json'), 'utf8')).state).toBe('running');

    const resumed = await cli([
      'train',
      '--resume',
      killedDir,
      '--cache-dir',
      cacheDir,
      '--format',
      'tfjs',
      '--json',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const epochs = epochsOf(resumed);
    expect(epochs.map((e) => e.epoch)).toEqual([4, 5, 6]);
    const ref = epochsOf(reference).slice(3);
    epochs.forEach((e, i) => {
      for (const k of ['loss', 'acc', 'valLoss', 'valAcc'] as const)
        expect(e[k] as number).toBeCloseTo(ref[i][k] as number, 5);
      expect(e.best).toBe(ref[i].best);
    });
    const summary = summaryOf(resumed);
    expect(summary).toMatchObject({ type: 'summary', epochs: 6 });
    // Nothing recomputed: the killed run's features are in the cache.
    expect((summary as unknown as { features: { computed: number } }).features.computed).toBe(0);
    expect(summary.accuracy).toBe(summaryOf(reference).accuracy);
    const [a, b] = [weightsOf(refDir), weightsOf(killedDir)];
    expect(b.length).toBe(a.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(JSON.parse(readFileSync(path.join(killedDir, 'run.json'), 'utf8')).state).toBe('done');
  });

  it('a folder that cannot be resumed is one line, exit 2', async () => {
    const missing = path.join(tmp, 'nope');
    // A damaged manifest.
    const bad = path.join(tmp, 'bad-manifest');
    cpSync(refDir, bad, { recursive: true });
    writeFileSync(path.join(bad, 'run.json'), '{"version":1,');
    // Every checkpoint damaged: refused, never trained on.
    const torn = path.join(tmp, 'torn');
    mkdirSync(torn);
    for (const f of ['run.json', 'scan.json']) copyFileSync(path.join(refDir, f), path.join(torn, f));
    const manifest = JSON.parse(readFileSync(path.join(torn, 'run.json'), 'utf8'));
    writeFileSync(path.join(torn, 'run.json'), JSON.stringify({ ...manifest, state: 'running' }));
    const header = Buffer.alloc(4);
    header.writeUInt32LE(1000);
    writeFileSync(path.join(torn, 'checkpoint.bin'), Buffer.concat([Buffer.from('TSCKPT1\n'), header]));
    // Each process loads the engine before it reads the folder: the cases run side by side.
    const cases: [string[], RegExp][] = [
      [['--resume', missing], /nope is not a resumable run folder/],
      // A finished run has nothing left to resume.
      [['--resume', refDir], /this run finished; nothing to resume/],
      [['--resume', bad], /run manifest .*run\.json is unreadable/],
      [['--resume', torn], /checkpoint\.bin: checkpoint is truncated/],
      // What to train is the run's own: a config flag with --resume is refused.
      [['--resume', killedDir, '--epochs', '3'], /--epochs cannot be given with it/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(['train', ...args])));
    results.forEach((r, i) => expectOneLineError(r, cases[i][1]));
  });
});
