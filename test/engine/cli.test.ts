import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
  copyFileSync,
  readdirSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HYMENOPTERA } from '../helpers/shared';

const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // As `npm run train` does, but from another folder: nothing may depend on the cwd.
    const p = spawn(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'src/main/engine/cli/main.ts'), ...args],
      {
        cwd: tmp,
        env: { ...process.env, TRANSFER_STUDIO_CACHE: path.join(tmp, 'cache') },
      },
    );
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A small classFolders dataset: 8 real photos per class plus one broken file. */
function smallDataset(): string {
  const root = path.join(tmp, 'small');
  for (const cls of ['ants', 'bees']) {
    mkdirSync(path.join(root, cls), { recursive: true });
    const src = path.join(HYMENOPTERA, 'train', cls);
    for (const f of readdirSync(src)
      .filter((n) => n.endsWith('.jpg'))
      .slice(0, 8))
      copyFileSync(path.join(src, f), path.join(root, cls, f));
  }
  writeFileSync(path.join(root, 'bees', 'notes.jpg'), 'not an image at all');
  return root;
}

describe('train CLI', () => {
  // The refusals below each load the engine in their own process, then stop before any real work: they
  // run side by side.
  it.concurrent('exits non-zero with one line for a missing folder', async ({ expect }) => {
    const r = await cli(['train', '--data', path.join(tmp, 'nope')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/dataset folder not found: .*nope/);
  });

  it.concurrent(
    'exits non-zero for fewer than two usable classes and for no readable images',
    async ({ expect }) => {
      const one = path.join(tmp, 'one');
      mkdirSync(path.join(one, 'only'), { recursive: true });
      copyFileSync(
        path.join(HYMENOPTERA, 'train', 'ants', readdirSync(path.join(HYMENOPTERA, 'train', 'ants'))[0]),
        path.join(one, 'only', 'a.jpg'),
      );
      mkdirSync(path.join(one, 'empty'));
      const r1 = await cli(['train', '--data', one]);
      expect(r1.code).toBe(2);
      expect(r1.stderr).toMatch(/need at least two classes/);
      const none = path.join(tmp, 'none');
      mkdirSync(path.join(none, 'a'), { recursive: true });
      mkdirSync(path.join(none, 'b'), { recursive: true });
      writeFileSync(path.join(none, 'a', 'x.jpg'), '');
      writeFileSync(path.join(none, 'b', 'y.png'), 'text');
      const r2 = await cli(['train', '--data', none]);
      expect(r2.code).toBe(2);
      // The skipped files are listed with their reasons (and the classes they empty), then the one-line error.
      const lines = r2.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(/^error: no readable images in .*none \(2 files skipped\)$/);
      expect(lines.slice(0, -1).sort()).toEqual([
        'skipped a/x.jpg: empty file (0 bytes)',
        expect.stringMatching(/^skipped b\/y.png: not an image/),
        'warning: class folder "a" has no usable image: left out of the model',
        'warning: class folder "b" has no usable image: left out of the model',
      ]);
    },
  );

  it.concurrent('rejects a bad head with the layer named', async ({ expect }) => {
    const r = await cli([
      'train',
      '--data',
      HYMENOPTERA,
      '--head',
      '{"layers":[{"type":"globalAveragePooling"},{"type":"globalMaxPooling"}]}',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/head layer 2: global pooling needs/);
  });

  it('--json streams structured events and ends with a summary; the export predicts and evaluates', async () => {
    const data = smallDataset();
    const out = path.join(tmp, 'out');
    const r = await cli([
      'train',
      '--data',
      data,
      '--base',
      'mobilenet_v1_0.25_224',
      '--epochs',
      '3',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.at(-1)!;
    expect(summary.type).toBe('summary');
    expect(typeof summary.accuracy).toBe('number');
    expect(summary.skipped).toEqual([
      expect.objectContaining({ file: 'bees/notes.jpg', reason: expect.stringMatching(/not an image/) }),
    ]);
    expect(lines.some((l) => l.type === 'stage' && l.stage === 'extract' && l.done === l.total)).toBe(true);
    expect(lines.filter((l) => l.type === 'epoch')).toHaveLength(3);
    expect(existsSync(path.join(out, 'tfjs', 'model.json'))).toBe(true);
    expect(existsSync(path.join(out, 'savedmodel', '1', 'saved_model.pb'))).toBe(true);

    const photo = path.join(data, 'ants', readdirSync(path.join(data, 'ants'))[0]);
    // Both only read the export: side by side.
    const [p, e] = await Promise.all([
      cli(['predict', '--model', out, '--json', photo, path.join(data, 'bees', 'notes.jpg')]),
      cli(['eval', '--model', out, '--data', data, '--json']),
    ]);
    const preds = p.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(preds[0].top.map((t: { label: string }) => t.label).sort()).toEqual(['ants', 'bees']);
    expect(preds[1].error).toBeTruthy();
    expect(p.code).toBe(1); // one image could not be read

    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout.trim().split('\n').at(-1)!);
    expect(ev.evaluation.count).toBe(16);
    expect(ev.skipped).toHaveLength(1);
  });
});
