/**
 * A multi-format export lands as a whole (issue 11, defect 4): every requested format from the same
 * run, or — when the disk fills up, an old export cannot be moved, or a format refuses the model —
 * the previous export exactly as it was, and a one-line error. Real writers and real models; the
 * file-system faults are injected into node:fs/promises.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeExports } from '../../src/main/engine/export';
import type { ExportSubject } from '../../src/main/engine/export/formats';
import { tf } from '../../src/main/engine/tf';

type Fault = (op: 'writeFile' | 'rename', target: string) => NodeJS.ErrnoException | null;
const faults = vi.hoisted(() => ({ current: null as Fault | null }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const fail = (op: 'writeFile' | 'rename', target: unknown) => {
    const e = faults.current?.(op, String(target));
    if (e) throw e;
  };
  const mocked = {
    ...real,
    writeFile: async (...a: Parameters<typeof real.writeFile>) => {
      fail('writeFile', a[0]);
      return real.writeFile(...a);
    },
    rename: async (from: string, to: string) => {
      fail('rename', from);
      return real.rename(from, to);
    },
  };
  return { ...mocked, default: mocked };
});

const errno = (code: string, syscall: string, p: string) =>
  Object.assign(new Error(`${code}: injected, ${syscall} '${p}'`), { code, syscall, path: p });

/** 8×8 RGB → Conv → GAP → Dense softmax, weights from `seed`: one "run". */
function model(seed: number, extra?: tf.layers.Layer): tf.LayersModel {
  const inp = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers
    .conv2d({ filters: 2, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(inp) as tf.SymbolicTensor;
  if (extra) x = extra.apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: x });
}

const subject = (run: string, m = model(run.length)): ExportSubject => ({
  model: m,
  classes: ['x', 'y'],
  pixel: { inputSize: [8, 8], resize: 'stretch', preprocessing: 'tf' },
  metadata: { run },
});

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'export-atomic-'));
});
afterEach(() => {
  faults.current = null;
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Every file under `dir` with a hash of its bytes: "untouched" means this is unchanged. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    out[path.relative(dir, p)] = createHash('sha256')
      .update(await readFile(p))
      .digest('hex');
  }
  return out;
}

const runOf = async (file: string) => (JSON.parse(await readFile(file, 'utf8')) as { run: string }).run;
const runs = async (out: string) => [
  await runOf(path.join(out, 'tfjs', 'metadata.json')),
  await runOf(path.join(out, 'savedmodel', '1', 'assets.extra', 'metadata.json')),
];
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the export to fail');
};
const BOTH = ['tfjs', 'savedmodel'] as const;

describe('multi-format export is atomic as a whole', () => {
  const out = () => path.join(tmp, 'export');

  it('writes every requested format, reporting each as it is built', async () => {
    const progress: [number, number][] = [];
    const r = await writeExports(subject('first'), {
      outDir: out(),
      formats: BOTH,
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(r.formats.tfjs?.dir).toBe(path.join(out(), 'tfjs'));
    expect(r.formats.savedmodel?.dir).toBe(path.join(out(), 'savedmodel', '1'));
    expect(r.formats.savedmodel?.bytes).toBeGreaterThan(0);
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(await runs(out())).toEqual(['first', 'first']);
    expect((await readdir(out())).sort()).toEqual(['savedmodel', 'tfjs']);
  });

  it('disk full while writing the SavedModel: the previous export is untouched, one-line error', async () => {
    const before = await snapshot(out());
    faults.current = (op, p) =>
      op === 'writeFile' && p.endsWith('saved_model.pb') ? errno('ENOSPC', 'write', p) : null;
    const e = await errorOf(writeExports(subject('second'), { outDir: out(), formats: BOTH }));
    expect(e.code).toBe('IO_ERROR');
    expect(e.message.split('\n')).toHaveLength(1);
    expect(e.message).toMatch(/TensorFlow SavedModel.*nothing was replaced.*ENOSPC \(no space left/);
    expect(await snapshot(out())).toEqual(before);
    expect(await runs(out())).toEqual(['first', 'first']);
    expect(await readdir(out())).toEqual(expect.not.arrayContaining([expect.stringMatching(/^\./)]));
  });

  it('an old SavedModel that cannot be moved (read-only): the new tfjs is not left beside it', async () => {
    const before = await snapshot(out());
    const old = path.join(out(), 'savedmodel', '1');
    // As a read-only savedmodel/ behaves: its entries cannot be renamed. Root ignores permissions,
    // so the refusal is injected; a normal user also gets the real thing.
    faults.current = (op, p) => (op === 'rename' && p === old ? errno('EACCES', 'rename', p) : null);
    if (process.getuid?.() !== 0) await chmod(path.join(out(), 'savedmodel'), 0o555);
    try {
      const e = await errorOf(writeExports(subject('second'), { outDir: out(), formats: BOTH }));
      expect(e.code).toBe('IO_ERROR');
      expect(e.message.split('\n')).toHaveLength(1);
      expect(e.message).toMatch(
        /cannot move the previous TensorFlow SavedModel .* aside, nothing was replaced/,
      );
      expect(e.message).toMatch(/EACCES \(the folder is not writable\)/);
    } finally {
      await chmod(path.join(out(), 'savedmodel'), 0o755);
    }
    expect(await snapshot(out())).toEqual(before);
    expect(await runs(out())).toEqual(['first', 'first']);
  });

  it('a move into place that fails halfway is rolled back: old formats back, new ones gone', async () => {
    const before = await snapshot(out());
    // The second format's new folder cannot be renamed into place, after tfjs already was.
    faults.current = (op, p) =>
      op === 'rename' && p.endsWith(path.join('new', 'savedmodel', '1'))
        ? errno('ENOSPC', 'rename', p)
        : null;
    const e = await errorOf(writeExports(subject('second'), { outDir: out(), formats: BOTH }));
    expect(e.message).toMatch(/cannot move the new TensorFlow SavedModel into .*nothing was replaced/);
    expect(await snapshot(out())).toEqual(before);
  });

  it('a format that refuses the model leaves the previous export alone too', async () => {
    const before = await snapshot(out());
    const unsupported = model(3, tf.layers.upSampling2d({ size: [2, 2] }));
    const e = await errorOf(writeExports(subject('third', unsupported), { outDir: out(), formats: BOTH }));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/UpSampling2D\) is not supported/);
    expect(await snapshot(out())).toEqual(before);
  });

  it('with the fault gone, every format is replaced by the new run', async () => {
    await writeExports(subject('second'), { outDir: out(), formats: BOTH });
    expect(await runs(out())).toEqual(['second', 'second']);
    expect((await readdir(out())).sort()).toEqual(['savedmodel', 'tfjs']);
  });
});
