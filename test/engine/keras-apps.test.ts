/**
 * The Keras applications built as tfjs layers models: Keras' exact notop structure (parameter count,
 * layer names and order, feature layer), a real photo through each with seeded weights, and each one's
 * SavedModel export (executed by tfjs-converter's graph executor) and ONNX export (run by ONNX Runtime)
 * of one classifier (base + a small head) against the layers model; the fast frozen-base paths
 * (compileBase's tfjs graph, ONNX Runtime's compiled base) must accept it too; and weights written in
 * Keras' weights-only layout load back exactly, as the registry's loader loads them.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { decodeSavedModel, exportSavedModel } from '../../src/main/engine/export/savedmodel';
import { exportTfjs } from '../../src/main/engine/export/tfjs';
import { fileModelHandler } from '../../src/main/engine/model/io';
import type { FeatureBase } from '../../src/main/engine/bases/load';
import { compileBase } from '../../src/main/engine/extract/compiled-base';
import {
  KERAS_APPLICATIONS,
  buildKerasApplication,
  findKerasApplication,
} from '../../src/main/engine/keras/applications';
import { compileClassifier, compileFeatureModel } from '../../src/main/engine/onnx/compiler';
import { loadKerasWeights, writeKerasWeights } from '../../src/main/engine/keras/weights';
import { KERAS_RECIPE_VGG16 } from '@shared/recipes';
import { checkOnnxModel, cpuSession, runOnnx } from './onnx-harness';
import {
  checkSavedModel,
  loadAsGraphModel,
  loadImages,
  preprocessReference,
  seedWeights,
  useWasm,
} from './savedmodel-harness';
import { KERAS_EXPECTED } from './keras-apps-names';

type Images = { data: Float32Array; n: number };
/** Input side of the photo checks (SavedModel, ONNX): Keras' notop models accept any size ≥ 75. */
const PHOTO_SIZE = 128;
const images = new Map<number, Images>();
let tmp: string;

/** Each architecture is built once (zero kernels, then seeded) and shared by the tests below. */
const built = new Map<string, tf.LayersModel>();
function model(id: string): tf.LayersModel {
  let m = built.get(id);
  if (!m) {
    m = buildKerasApplication(id, { init: 'zeros' });
    built.set(id, m);
  }
  return m;
}

beforeAll(async () => {
  await useWasm();
  // One real photo (an ant): at PHOTO_SIZE for the export checks, at 224 for the tfjs save test.
  for (const size of [PHOTO_SIZE, 224])
    images.set(
      size,
      await loadImages(size, 1).then((i) => ({ data: i.data.subarray(0, size * size * 3), n: 1 })),
    );
  tmp = await mkdtemp(path.join(os.tmpdir(), 'keras-apps-'));
});
afterAll(async () => {
  for (const m of built.values()) m.dispose();
  await rm(tmp, { recursive: true, force: true });
});

/** tf.keras' zero-based auto-name as Keras 2.0 gave it (`conv2d` → `conv2d_1`, `conv2d_4` → `conv2d_5`). */
function keras20Name(name: string): string {
  const m = /^(conv2d|batch_normalization)(?:_(\d+))?$/.exec(name);
  return m ? `${m[1]}_${Number(m[2] ?? 0) + 1}` : name;
}

const weightedNames = (m: tf.LayersModel) => m.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
const sorted = (xs: string[]) => [...xs].sort();

/** Seeded weights that keep activations in range; EfficientNet's Normalization gets Keras' ImageNet stats. */
function seed(m: tf.LayersModel, s: number): void {
  seedWeights(
    m.layers.filter((l) => l.getClassName() !== 'Normalization'),
    s,
    { kernelGain: Math.SQRT2 },
  );
  for (const l of m.layers.filter((x) => x.getClassName() === 'Normalization')) {
    const values = [tf.tensor1d([0.485, 0.456, 0.406]), tf.tensor1d([0.229, 0.224, 0.225]), tf.scalar(1)];
    l.setWeights(values);
    tf.dispose(values);
  }
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * compileBase walks the same emitters the SavedModel export does (verified above for every base), so
 * the fast path is checked on the bases that bring the layer variants: EfficientNet (Normalization,
 * per-channel Rescaling, squeeze-excite Multiply/Reshape, swish, Dropout with noise_shape), DenseNet
 * (BN after Concatenate, not foldable), ResNet50V2 (pre-activation BN after Add), MobileNetV2 (ReLU6,
 * depthwise), and the recipe's VGG16. ~4 s each on 2 cores; the rest would add ~15 s.
 */
const COMPILED = new Set([
  'vgg16',
  'resnet50v2',
  'densenet121',
  'efficientnetb0',
  'mobilenet_v2_1.0_224_keras',
]);

describe.each(Object.keys(KERAS_EXPECTED))('Keras application %s', (id) => {
  const want = KERAS_EXPECTED[id];
  const info = findKerasApplication(id)!;
  afterAll(() => {
    built.get(id)?.dispose();
    built.delete(id);
  });

  it('builds exactly as keras.applications does with include_top=False', () => {
    expect(info, `table row for ${id}`).toBeDefined();
    const m = model(id);
    expect(m.countParams()).toBe(want.params);
    expect(info.params).toBe(want.params);
    expect(m.layers).toHaveLength(want.layers);
    expect(sorted(weightedNames(m))).toEqual(sorted(want.weighted));
    expect(new Set(m.layers.map((l) => l.name)).size).toBe(m.layers.length);
    expect(m.layers[0].name).toBe('input_1');
    expect(m.layers.at(-1)!.name).toBe(want.featureLayer);
    expect(info.featureLayer).toBe(want.featureLayer);
    expect(m.outputs[0].shape.slice(1)).toEqual(want.featureShape);
    expect(info.featureShape).toEqual(want.featureShape);
    expect(m.inputs[0].shape).toEqual([null, info.inputSize, info.inputSize, 3]);
    // Keras loads notop files in this order (a topological weight loader relies on it).
    if (want.order) expect(m.layers.slice(0, want.order.length).map((l) => l.name)).toEqual(want.order);
  });

  it('runs a real photo, and its SavedModel and ONNX exports (base + Flatten → Dense head) reproduce it', async () => {
    // Every base here takes any input from 75×75 up (Keras' minimum for InceptionV3): a smaller photo
    // checks every layer the same way at a third of the cost (~5× less for the 299 bases).
    const size = PHOTO_SIZE;
    const base = buildKerasApplication(id, { size, init: 'zeros' });
    seed(base, 7);
    const img = images.get(size)!;
    const pre = preprocessReference(img.data, info.preprocessing);
    const featT = tf.tidy(() => base.predict(tf.tensor4d(pre, [1, size, size, 3])) as tf.Tensor);
    expect(featT.shape).toHaveLength(4);
    expect(featT.shape[3]).toBe(want.featureShape[2]);
    const feat = (await featT.data()) as Float32Array;
    expect(feat.every(Number.isFinite), 'finite features').toBe(true);
    expect(maxAbs(feat), 'features are not all zero').toBeGreaterThan(1e-3);

    // Flatten, so every position of the feature map reaches the output (a pooled head could hide
    // errors); its kernel is scaled to the features (random bases vary by orders of magnitude) so the
    // softmax is not saturated.
    const flatten = tf.layers.flatten({ name: 'head_flatten' });
    const dense = tf.layers.dense({ units: 2, activation: 'softmax', name: 'head_classifier' });
    const probs = dense.apply(flatten.apply(base.outputs[0])) as tf.SymbolicTensor;
    const rms = Math.sqrt(feat.reduce((a, v) => a + v * v, 0) / feat.length);
    seedWeights([dense], 11, { kernelGain: 1 / rms });
    const classifier = tf.model({ inputs: base.inputs, outputs: probs });
    const probT = tf.tidy(() => dense.apply(flatten.apply(featT)) as tf.Tensor);
    const p = (await probT.data()) as Float32Array;
    tf.dispose([featT, probT]);

    const res = await exportSavedModel(classifier, {
      outDir: tmp,
      name: id,
      preprocessing: info.preprocessing,
      classNames: ['ants', 'bees'],
      metadata: {},
    });
    const pb = new Uint8Array(await readFile(path.join(res.dir, 'saved_model.pb')));
    await rm(path.join(tmp, id), { recursive: true, force: true });
    const graph = checkSavedModel(decodeSavedModel(pb), { height: size, width: size, classes: 2 });
    const gm = await loadAsGraphModel(graph);
    // The graph takes raw 0–255 pixels: the family's preprocessing is inside it.
    const outs = gm.execute(tf.tensor4d(img.data, [1, size, size, 3]), [
      'probabilities',
      'head_flatten/Reshape',
    ]) as tf.Tensor[];
    const gp = (await outs[0].data()) as Float32Array;
    const gf = (await outs[1].data()) as Float32Array;
    tf.dispose(outs);
    gm.dispose();
    const featDiff = maxAbsDiff(feat, gf) / maxAbs(feat);
    const probDiff = maxAbsDiff(p, gp);

    // The same classifier as ONNX (what `--format onnx` writes), run by ONNX Runtime on raw pixels.
    const onnx = compileClassifier(classifier, info.preprocessing);
    expect(
      checkOnnxModel(onnx.model, { inputs: ['images'], outputs: ['probabilities', 'class_index'] }),
    ).toContain('Softmax');
    const session = await cpuSession(onnx.bytes);
    const out = await runOnnx(session, { images: { data: img.data, dims: [1, size, size, 3] } });
    await session.release();
    const op = out.probabilities.data as Float32Array;
    const onnxDiff = maxAbsDiff(p, op);
    classifier.dispose();
    console.log(
      `${id}: SavedModel ${res.nodes} nodes, ${(res.bytes / 1e6).toFixed(1)} MB; ONNX ${onnx.model.graph.node.length} nodes; features max ${maxAbs(feat).toPrecision(3)}, relative Δ ${featDiff.toExponential(1)}; p ${Array.from(p, (v) => v.toFixed(3))}, |Δp| SavedModel ${probDiff.toExponential(1)}, ONNX ${onnxDiff.toExponential(1)}`,
    );
    expect(gf.length).toBe(feat.length);
    expect(featDiff).toBeLessThanOrEqual(1e-4);
    expect(probDiff).toBeLessThanOrEqual(1e-4);
    expect(onnxDiff).toBeLessThanOrEqual(1e-4);
    expect(Number(out.class_index.data[0])).toBe(p.indexOf(Math.max(...p)));
    expect(Math.max(...p), 'the head is not saturated').toBeLessThan(0.9999);
  });

  it.runIf(COMPILED.has(id))(
    'runs as the fast frozen-base graph (compileBase), checked against the layers model',
    async () => {
      // Any input size works for a notop model; a small one keeps the probe cheap.
      const small = buildKerasApplication(id, { size: 75, init: 'zeros' });
      seed(small, 5);
      const compiled = await compileBase({ model: small, inputSize: [75, 75] } as FeatureBase);
      expect(compiled.why ?? 'graph').toBe('graph');
      expect(compiled.kind).toBe('graph');
      // ONNX Runtime's frozen base (the default extraction path) is the same model compiled to ONNX.
      const x = Float32Array.from({ length: 75 * 75 * 3 }, (_, i) => ((i * 7919) % 255) / 127.5 - 1);
      const ref = tf.tidy(() => (small.predict(tf.tensor4d(x, [1, 75, 75, 3])) as tf.Tensor).dataSync());
      const session = await cpuSession(compileFeatureModel(small).bytes);
      small.dispose();
      const got = (await runOnnx(session, { images: { data: x, dims: [1, 75, 75, 3] } })).features.data;
      await session.release();
      expect(
        maxAbsDiff(ref as Float32Array, got as Float32Array) / maxAbs(ref as Float32Array),
      ).toBeLessThanOrEqual(1e-4);
    },
  );

  it("weights written in Keras' weights-only HDF5 layout load back exactly, as the registry loads the file", async () => {
    const source = model(id);
    seed(source, 13);
    const file = path.join(tmp, `${id}_notop.h5`);
    // Rows Keras loads in layer order carry the Keras 2.0 auto-names (conv2d_1, …; tf.keras says conv2d).
    await writeKerasWeights(
      source,
      file,
      info.weightsByName ? {} : { layerName: (l) => keras20Name(l.name) },
    );
    const target = buildKerasApplication(id, { init: 'zeros' });
    try {
      if (!info.weightsByName)
        await expect(loadKerasWeights(target, file)).rejects.toThrow(/layer "conv2d" .* is not in/);
      const report = await loadKerasWeights(target, file, { byName: info.weightsByName });
      expect(report.loaded).toHaveLength(want.weighted.length);
      expect(report.unused).toEqual([]);
      const [a, b] = [source.getWeights(), target.getWeights()];
      expect(b.map((w) => w.shape)).toEqual(a.map((w) => w.shape));
      for (let i = 0; i < a.length; i++)
        expect(
          maxAbsDiff(a[i].dataSync() as Float32Array, b[i].dataSync() as Float32Array),
          `weight ${i}`,
        ).toBe(0);
    } finally {
      target.dispose();
      await rm(file, { force: true });
    }
  });
});

describe('saving as a tfjs layers model', () => {
  it('EfficientNetB0 (custom Normalization, per-channel Rescaling) loads back from disk and predicts the same', async () => {
    const m = buildKerasApplication('efficientnetb0', { init: 'zeros' });
    seed(m, 3);
    const dir = path.join(tmp, 'efficientnetb0-tfjs');
    await exportTfjs(m, dir, [], {});
    const back = await tf.loadLayersModel(fileModelHandler(dir));
    expect(back.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
    expect(back.getLayer('normalization').getConfig()).toMatchObject({ axis: -1 });
    expect(back.getLayer('rescaling_1').getConfig().scale).toEqual(
      m.getLayer('rescaling_1').getConfig().scale,
    );
    const img = images.get(224)!;
    const x = tf.tensor4d(img.data, [1, 224, 224, 3]);
    const [a, b] = [m.predict(x) as tf.Tensor, back.predict(x) as tf.Tensor];
    const [fa, fb] = [(await a.data()) as Float32Array, (await b.data()) as Float32Array];
    tf.dispose([x, a, b]);
    expect(maxAbs(fa)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(fa, fb)).toBe(0);
    m.dispose();
    back.dispose();
  });
});

describe('EfficientNet B1–B3', () => {
  it.each([
    ['efficientnetb1', 6_575_239, [8, 8, 1280]],
    ['efficientnetb2', 7_768_569, [9, 9, 1408]],
    ['efficientnetb3', 10_783_535, [10, 10, 1536]],
  ] as const)('%s builds with Keras’ notop parameter count', (id, params, shape) => {
    const m = buildKerasApplication(id, { init: 'zeros' });
    expect(m.countParams()).toBe(params);
    expect(m.outputs[0].shape.slice(1)).toEqual(shape);
    expect(findKerasApplication(id)).toMatchObject({ params, featureShape: shape });
    m.dispose();
  });
});

describe('the Keras applications table', () => {
  it('gives every row a Keras weight URL, a notop file name and an MD5 file_hash (MobileNetV2: Keras checks none)', () => {
    for (const a of KERAS_APPLICATIONS) {
      expect(a.weights.url).toMatch(/^https:\/\/storage\.googleapis\.com\/.+\.h5$/);
      expect(a.weights.url.endsWith(`/${a.weights.fileName}`)).toBe(true);
      expect(a.weights.fileName).toMatch(/no_?top/);
      if (a.architecture === 'MobileNetV2') expect(a.weights.fileHash).toBeNull();
      else expect(a.weights.fileHash).toMatch(/^[0-9a-f]{32}$/);
      // Files are float32 weights plus HDF5 overhead.
      expect(a.sizeBytes).toBeGreaterThan(a.params * 4);
      expect(a.sizeBytes).toBeLessThan(a.params * 4 * 1.1);
    }
    expect(new Set(KERAS_APPLICATIONS.map((a) => a.id)).size).toBe(KERAS_APPLICATIONS.length);
  });

  it('the Keras recipe preset names a base this table builds', () => {
    expect(findKerasApplication(KERAS_RECIPE_VGG16.config.base!)).toMatchObject({ architecture: 'VGG16' });
  });
});
