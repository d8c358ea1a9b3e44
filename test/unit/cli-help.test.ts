/**
 * The CLI's `--help` answers without loading the engine: each command module is imported only when it
 * runs, so help works even when tfjs, ONNX Runtime, sharp and h5wasm cannot be imported at all.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_USAGE, EVAL_USAGE, PREDICT_USAGE, TRAIN_USAGE, USAGE } from '../../src/main/engine/cli/usage';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DENY = path.join(ROOT, 'test/helpers/deny-engine.mjs');

/** `npm run cli -- …` as package.json runs it (node --import tsx), with the engine's packages denied. */
const cli = (args: string[], deny = true) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', ...(deny ? ['--import', DENY] : []), 'src/main/engine/cli/main.ts', ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );

describe('CLI help without the engine', () => {
  it.for<[string[], string]>([
    [['train', '--help'], TRAIN_USAGE],
    [['train', '--data', 'x', '-h'], TRAIN_USAGE],
    [['predict', '--help'], PREDICT_USAGE],
    [['eval', '-h'], EVAL_USAGE],
    [['cache', '--help'], CACHE_USAGE],
    [['--help'], USAGE],
  ])('%j prints its usage, exit 0', ([args, usage]) => {
    const r = cli(args);
    expect(r.stderr).not.toContain('deny-engine');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(usage);
  });

  it('an unknown command is one usage line, exit 2', () => {
    const r = cli(['trian']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`error: ${USAGE}`);
  });

  // Flags are checked before a command's module loads: a bad one is its one-line error, exit 2, at once.
  it.for<[string[], RegExp]>([
    [['train', '--data', 'x', '--epochs', '-1'], /^error: --epochs must be an integer ≥ 1, got "-1"$/],
    [['train', '--data', 'x', '--bogus'], /^error: Unknown option '--bogus'/],
    [['train', '--resume', 'r', '--epochs', '3'], /--epochs cannot be given with it$/],
    [['predict', '--model', 'm', '--top', '0', 'x.jpg'], /^error: --top must be an integer ≥ 1/],
    [['eval', '--model'], /^error: Option '--model <value>' argument missing$/],
    [['cache', 'shrink'], /^error: unknown cache action "shrink"/],
  ])('%j is refused before the engine loads, exit 2', ([args, pattern]) => {
    const r = cli(args);
    expect(r.stderr).not.toContain('deny-engine');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim()).toMatch(pattern);
  });

  it('a command that runs does load the engine (the denial is real)', () => {
    const r = cli(['predict', '--model', path.join(ROOT, 'no-such-model'), 'x.jpg']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('deny-engine');
  });
});
