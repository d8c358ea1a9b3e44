/**
 * Golden bytes and error paths of the SavedModel export. A tiny model with weights from a formula must
 * encode to the same saved_model.pb every time (deterministic node order, names, map order), equal to
 * the committed fixture and its sha256.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  buildGraphDef,
  buildServingGraph,
  decodeSavedModel,
  encodeSavedModel,
  exportSavedModel,
  savedModelObject,
  type Preprocessing,
} from '../../src/main/engine/export/savedmodel';
import { checkSavedModel, loadAsGraphModel, useWasm } from './savedmodel-harness';

const FIXTURE = path.resolve(__dirname, '../fixtures/savedmodel/golden_saved_model.pb');
/** sha256 of FIXTURE. Changes only when the encoding or graph layout changes on purpose. */
const GOLDEN_SHA256 = '1188b99a1480abfc93511fb7d6104e585da40533de1050e1eac0203e201045e7';

/** 8×8 RGB → Conv2D(2, 3×3, stride 2, no bias) → BN (folded) → ReLU6 → GAP → Dense(2, softmax); weights from a formula. */
function goldenModel(): tf.LayersModel {
  const inp = tf.input({ shape: [8, 8, 3], name: 'input' });
  const conv = tf.layers.conv2d({
    name: 'conv',
    filters: 2,
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    useBias: false,
  });
  const bn = tf.layers.batchNormalization({ name: 'bn' });
  const relu = tf.layers.reLU({ name: 'relu', maxValue: 6 });
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' });
  const dense = tf.layers.dense({ name: 'dense', units: 2, activation: 'softmax' });
  let x = inp;
  for (const l of [conv, bn, relu, gap, dense]) x = l.apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: inp, outputs: x, name: 'golden' });
  const fill = (shape: number[], f: (i: number) => number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(
      Float32Array.from({ length: n }, (_, i) => f(i)),
      shape,
    );
  };
  conv.setWeights([fill([3, 3, 3, 2], (i) => (((i * 37) % 17) - 8) / 16)]);
  bn.setWeights([
    fill([2], (i) => 1 + i / 4),
    fill([2], (i) => i / 8 - 0.1),
    fill([2], (i) => i / 10),
    fill([2], (i) => 0.5 + i),
  ]);
  dense.setWeights([fill([2, 2], (i) => (i % 2 ? 0.75 : -0.5) * (i + 1)), fill([2], (i) => i / 20)]);
  return model;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const goldenBytes = (m: tf.LayersModel) => encodeSavedModel(savedModelObject(buildServingGraph(m, 'tf')));

let tmp: string;
beforeAll(async () => {
  await useWasm();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'savedmodel-golden-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('SavedModel golden bytes', () => {
  it('encodes a fixed model to the same bytes every time, equal to the committed fixture', async () => {
    const a = goldenBytes(goldenModel());
    const b = goldenBytes(goldenModel()); // fresh layer objects, same names and weights
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    // Decoding and re-encoding is byte-identical: nothing our schema drops, a canonical field order.
    expect(Buffer.from(encodeSavedModel(decodeSavedModel(a))).equals(Buffer.from(a))).toBe(true);
    if (process.env.UPDATE_GOLDEN) await writeFile(FIXTURE, a);
    expect(sha256(a)).toBe(GOLDEN_SHA256);
    expect(sha256(new Uint8Array(await readFile(FIXTURE)))).toBe(GOLDEN_SHA256);

    const res = await exportSavedModel(goldenModel(), {
      outDir: tmp,
      name: 'golden',
      preprocessing: 'tf',
      classNames: ['x', 'y'],
      metadata: {},
    });
    expect(sha256(new Uint8Array(await readFile(path.join(res.dir, 'saved_model.pb'))))).toBe(GOLDEN_SHA256);
  });

  it('the golden graph is well formed and runs', async () => {
    const sm = decodeSavedModel(new Uint8Array(await readFile(FIXTURE)));
    const g = checkSavedModel(sm, { height: 8, width: 8, classes: 2 });
    expect(g.node.map((n) => `${n.name}:${n.op}`)).toEqual([
      'images:Placeholder',
      'preprocess/scale:Const',
      'preprocess/truediv:RealDiv',
      'preprocess/one:Const',
      'preprocess/sub:Sub',
      'conv/kernel:Const',
      'conv/Conv2D:Conv2D',
      'conv/bias:Const',
      'conv/BiasAdd:BiasAdd',
      'relu/Relu6:Relu6',
      'gap/reduction_indices:Const',
      'gap/Mean:Mean',
      'dense/kernel:Const',
      'dense/MatMul:MatMul',
      'dense/bias:Const',
      'dense/BiasAdd:BiasAdd',
      'dense/Softmax:Softmax',
      'probabilities:Identity',
      'class_index/dimension:Const',
      'class_index:ArgMax',
    ]);
    const model = goldenModel();
    const gm = await loadAsGraphModel(g);
    const raw = tf.tensor4d(
      Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => (i * 53) % 256),
      [2, 8, 8, 3],
    );
    const pre = raw.div(127.5).sub(1);
    const pg = gm.execute(raw, 'probabilities') as tf.Tensor;
    const pl = model.predict(pre) as tf.Tensor;
    const diff = (await pg.sub(pl).abs().max().data())[0];
    expect(diff).toBeLessThanOrEqual(1e-6);
    tf.dispose([raw, pre, pg, pl]);
    gm.dispose();
  });

  it('buildGraphDef returns the same graph the file holds', () => {
    const g = buildGraphDef(goldenModel(), 'tf');
    const fromFile = decodeSavedModel(goldenBytes(goldenModel())).metaGraphs[0].graphDef;
    expect(fromFile.node.map((n) => [n.name, n.op, n.input ?? []])).toEqual(
      g.node.map((n) => [n.name, n.op, n.input ?? []]),
    );
  });
});

describe('SavedModel export errors', () => {
  const opts = (name: string, extra: Partial<Parameters<typeof exportSavedModel>[1]> = {}) => ({
    outDir: tmp,
    name,
    preprocessing: 'tf' as Preprocessing,
    classNames: ['x', 'y'],
    metadata: {},
    ...extra,
  });
  const exists = (p: string) =>
    stat(p).then(
      () => true,
      () => false,
    );

  it('names an unsupported layer and its class, and writes nothing', async () => {
    const inp = tf.input({ shape: [8, 8, 3] });
    let x = tf.layers.upSampling2d({ name: 'upsample', size: [2, 2] }).apply(inp) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({ name: 'g' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ name: 'd', units: 2, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: inp, outputs: x });
    await expect(exportSavedModel(model, opts('unsupported'))).rejects.toThrow(
      'layer "upsample" (UpSampling2D) is not supported',
    );
    expect(await exists(path.join(tmp, 'unsupported'))).toBe(false);
  });

  it('rejects unsupported activations, a non-softmax output, bad class names and preprocessing before writing', async () => {
    const make = (act1: string, act2: string) => {
      const inp = tf.input({ shape: [4, 4, 3] });
      let x = tf.layers.flatten({ name: 'f' }).apply(inp) as tf.SymbolicTensor;
      x = tf.layers
        .dense({ name: 'hidden', units: 3, activation: act1 as 'relu' })
        .apply(x) as tf.SymbolicTensor;
      x = tf.layers
        .dense({ name: 'top', units: 2, activation: act2 as 'relu' })
        .apply(x) as tf.SymbolicTensor;
      return tf.model({ inputs: inp, outputs: x });
    };
    await expect(exportSavedModel(make('hardSigmoid', 'softmax'), opts('e1'))).rejects.toThrow(
      'layer "hidden" (Dense): activation "hardSigmoid" is not supported',
    );
    await expect(exportSavedModel(make('relu', 'linear'), opts('e2'))).rejects.toThrow(
      /must come from a softmax/,
    );
    await expect(
      exportSavedModel(make('relu', 'softmax'), opts('e3', { classNames: ['only-one'] })),
    ).rejects.toThrow('1 class names given for a model with 2 outputs');
    await expect(
      exportSavedModel(make('relu', 'softmax'), opts('e4', { preprocessing: 'vgg' as Preprocessing })),
    ).rejects.toThrow(/unknown preprocessing "vgg"/);
    await expect(exportSavedModel(make('relu', 'softmax'), opts('../escape'))).rejects.toThrow(
      /invalid model name/,
    );
    for (const n of ['e1', 'e2', 'e3', 'e4']) expect(await exists(path.join(tmp, n))).toBe(false);
  });

  it('gives a clear error when the target is not writable', async () => {
    const file = path.join(tmp, 'a-file');
    await writeFile(file, 'not a folder');
    await expect(exportSavedModel(goldenModel(), opts('m', { outDir: file }))).rejects.toThrow(
      /cannot create .*a-file\/m: .*a-file is a file, not a folder/,
    );
    if (process.getuid?.() !== 0) {
      // root ignores permissions, so this half only runs as a normal user
      const ro = path.join(tmp, 'readonly');
      await mkdir(ro);
      await chmod(ro, 0o555);
      await expect(exportSavedModel(goldenModel(), opts('m', { outDir: ro }))).rejects.toThrow(
        /not writable/,
      );
      await chmod(ro, 0o755);
    }
  });

  it('replaces an existing version only with a complete new one, leaving no temp folders', async () => {
    await exportSavedModel(goldenModel(), opts('again', { classNames: ['first', 'second'] }));
    const res = await exportSavedModel(goldenModel(), opts('again', { classNames: ['x', 'y'], version: 1 }));
    expect(JSON.parse(await readFile(path.join(res.dir, 'assets.extra', 'labels.json'), 'utf8'))).toEqual([
      'x',
      'y',
    ]);
    const v2 = await exportSavedModel(goldenModel(), opts('again', { version: 2 }));
    expect(v2.dir).toBe(path.join(tmp, 'again', '2'));
    expect((await readdir(path.join(tmp, 'again'))).sort()).toEqual(['1', '2']);
  });
});
