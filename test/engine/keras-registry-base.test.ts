import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backend';
import { loadBase } from '../../src/main/engine/bases/load';
import { ensureKerasBase, type KerasBaseSpec } from '../../src/main/engine/keras/registry-base';
import { fileModelHandler } from '../../src/main/engine/model/io';
import { tf } from '../../src/main/engine/tf';
import { maxAbsDiff, photoBatch } from '../helpers/keras-files';
import { MODELS } from '../helpers/shared';

// Keras' official URLs are unreachable here: the shared notop file is served from 127.0.0.1 instead,
// and the architecture comes from the shared tfjs model.json (K2's builders take its place for real bases).
const FILE = 'mobilenet_v2_0.35_224_no_top_weights.h5';
const SHA = /^(\w{64})\s+mobilenet_v2_0.35_224_no_top_weights.h5$/m.exec(
  readFileSync(path.join(MODELS, 'keras', 'SHA256SUMS'), 'utf8'),
)![1];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-keras-base-'));
let server: http.Server;
let url = '';
let requests = 0;

beforeAll(async () => {
  await initBackend('wasm');
  server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(200);
    createReadStream(path.join(MODELS, 'keras', FILE)).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keras-applications/${FILE}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

const spec = (): KerasBaseSpec => ({
  id: 'mobilenet_v2_0.35_keras',
  displayName: 'MobileNetV2 0.35 (Keras weights)',
  preprocessing: 'tf',
  featureLayer: 'out_relu',
  build: async () => {
    const m = await tf.loadLayersModel(fileModelHandler(path.join(MODELS, 'mobilenet_v2_0.35_224_no_top')));
    m.setWeights(m.getWeights().map((w) => tf.zerosLike(w)));
    return m;
  },
  weights: { url, fileHash: SHA },
});

describe('a registry base from an architecture builder and Keras weights', () => {
  it('downloads the .h5 (hash-checked), converts it once into the cache and loads as a base', async () => {
    const modelsDir = path.join(tmp, 'models');
    const first = await ensureKerasBase(spec(), { modelsDir, mirrorDirs: [] });
    expect(first).toMatchObject({ source: 'converted', weightsFrom: 'download' });
    expect(first.report?.loaded).toHaveLength(104);
    expect(existsSync(path.join(modelsDir, 'downloads', FILE))).toBe(false); // the folder holds the weights now

    const base = await loadBase({ dir: first.dir, entry: null, source: 'cache' });
    expect([base.displayName, base.featureLayer, base.preprocessing]).toEqual([
      'MobileNetV2 0.35 (Keras weights)',
      'out_relu',
      'tf',
    ]);
    const ref = await tf.loadLayersModel(fileModelHandler(path.join(MODELS, 'mobilenet_v2_0.35_224_no_top')));
    const b = await photoBatch(10, 224, 'tf');
    const x = tf.tensor4d(b.input, b.shape);
    const run = (m: tf.LayersModel) =>
      tf.tidy(() => (m.predict(x, { batchSize: 5 }) as tf.Tensor).dataSync());
    expect(maxAbsDiff(run(base.model), run(ref))).toBeLessThanOrEqual(1e-5);

    const again = await ensureKerasBase(spec(), { modelsDir, mirrorDirs: [] });
    expect([again.source, requests]).toEqual(['cache', 1]);
  });

  it('a local mirror holding keras/<file> overrides the URL', async () => {
    const before = requests;
    const r = await ensureKerasBase(spec(), {
      modelsDir: path.join(tmp, 'mirror-models'),
      mirrorDirs: [MODELS],
    });
    expect([r.source, r.weightsFrom, requests]).toEqual(['converted', 'mirror', before]);
  });

  it('a file that does not match the registry hash is refused before anything is built', async () => {
    const modelsDir = path.join(tmp, 'bad');
    const wrong = { ...spec(), weights: { url, fileHash: SHA.replace(/^./, SHA[0] === '0' ? '1' : '0') } };
    await expect(ensureKerasBase(wrong, { modelsDir, mirrorDirs: [] })).rejects.toThrow(
      /does not match its sha256 hash .* the file was removed/,
    );
    expect(existsSync(path.join(modelsDir, 'mobilenet_v2_0.35_keras'))).toBe(false);
  });
});
