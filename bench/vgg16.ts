/**
 * VGG16 feature extraction speed, decode included — the recipe's base — and the same measured for a
 * PyTorch CPU peer (`bench/torch_vgg16.py`, torchvision's VGG16 `features`) on the same images.
 * Random weights on both sides: speed does not depend on the values. `engine.bench.ts` can call these;
 * `vgg16.bench.ts` runs them alone.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DatasetFile } from '@shared/dataset';
import type { BackendReport } from '../src/main/engine/backend';
import { loadBase } from '../src/main/engine/bases/load';
import { exportTfjs } from '../src/main/engine/export/tfjs';
import { FeatureStore } from '../src/main/engine/store/store';
import { extractFeatures } from '../src/main/engine/extract/features';
import { LazyExtractor } from '../src/main/engine/extract/lazy';
import { buildKerasApplication, findKerasApplication } from '../src/main/engine/keras/applications';
import { measured } from './measure';

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
export const TORCH_VGG16 = path.join(import.meta.dirname, 'torch_vgg16.py');

export interface Vgg16Report {
  base: string;
  engines: number;
  images: number;
  imagesPerSec: number;
  imagesPerSecWithStartup: number;
  engineStartupS: number;
  extractS: number;
  /** The family's preprocessing the engine applied (caffe for VGG). */
  preprocessing: string;
  /** What ran the base (ONNX Runtime's provider, or tfjs engines). */
  ranOn: string;
}

/**
 * A randomly initialised VGG16 (Keras' structure, built here) saved as a tfjs layers model in a temp
 * folder, then run through the engine's own extraction path (decode, caffe preprocessing, compiled base,
 * one worker engine per core) on `files`, cold (empty cache).
 */
export async function vgg16Extraction(
  files: DatasetFile[],
  backend: BackendReport,
  engines: number,
): Promise<Vgg16Report> {
  const info = findKerasApplication('vgg16')!;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-vgg16-'));
  try {
    const model = buildKerasApplication('vgg16');
    const dir = path.join(tmp, 'vgg16');
    await exportTfjs(model, dir, [], {});
    model.dispose();
    await writeFile(
      path.join(dir, 'transfer-studio.json'),
      JSON.stringify({
        preprocessing: info.preprocessing,
        featureLayer: info.featureLayer,
        displayName: 'VGG16',
      }),
    );
    const base = await loadBase({ dir, entry: null, source: 'path' });
    const pixel = {
      inputSize: base.inputSize,
      resize: 'stretch' as const,
      preprocessing: base.preprocessing,
    };
    const extractor = new LazyExtractor(base, backend, pixel, engines);
    try {
      const t0 = performance.now();
      await extractor.run([]); // start the engines (each loads and compiles the base)
      const startupS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const set = await extractFeatures({
        files,
        base,
        extractor,
        pixel,
        store: new FeatureStore(path.join(tmp, 'cache')),
        augment: null,
        views: 1,
        seed: 42,
      });
      const extractS = (performance.now() - t1) / 1000;
      if (set.computed !== files.length)
        throw new Error(`expected ${files.length} images through VGG16, got ${set.computed}`);
      return {
        base: 'vgg16 (Keras structure, random weights)',
        engines: extractor.started,
        images: files.length,
        imagesPerSec: round(files.length / extractS),
        imagesPerSecWithStartup: round(files.length / (extractS + startupS)),
        engineStartupS: round(startupS),
        extractS: round(extractS),
        preprocessing: base.preprocessing,
        ranOn: extractor.describe(),
      };
    } finally {
      await extractor.close();
      base.full.dispose();
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export type PeerReport =
  | { peer: string; torch: string; threads: number; images: number; seconds: number; imagesPerSec: number }
  | { peer: null; why: string };

/** torchvision VGG16 `features` on the same files (decode + resize + forward), via Debian's python3. */
export async function torchVgg16Peer(files: DatasetFile[], python = '/usr/bin/python3'): Promise<PeerReport> {
  const exec = promisify(execFile);
  try {
    await exec(python, ['-c', 'import torch, torchvision'], { timeout: 120_000 });
  } catch (e) {
    const why = String((e as { stderr?: string }).stderr || (e as Error).message)
      .trim()
      .split('\n')
      .pop();
    return { peer: null, why: `${python} cannot import torch/torchvision: ${why}` };
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-vgg16-peer-'));
  try {
    const list = path.join(tmp, 'files.txt');
    await writeFile(list, files.map((f) => f.path).join('\n'));
    const { stdout } = await exec(python, [TORCH_VGG16, list], { timeout: 1_800_000 });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
      torch: string;
      threads: number;
      images: number;
      seconds: number;
    };
    return {
      peer: 'torch_vgg16.py (PyTorch CPU, torchvision vgg16().features, decode included)',
      ...r,
      imagesPerSec: round(r.images / r.seconds),
    };
  } catch (e) {
    return { peer: null, why: `peer failed: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * `npm run bench`'s vgg16 section: ours (ONNX Runtime, one session on every core) and the peer on the
 * same first `n` photos (JPEG/PNG: what the peer's PIL decodes), each with the machine's load meanwhile.
 */
export async function vgg16VsPeer(all: DatasetFile[], backend: BackendReport, n: number) {
  const files = all.filter((f) => /\.(jpe?g|png)$/i.test(f.path)).slice(0, n);
  const ours = await measured('VGG16 extraction (ours)', () => vgg16Extraction(files, backend, 1));
  const peer = await measured('VGG16 extraction (PyTorch peer)', () => torchVgg16Peer(files));
  return {
    images: files.length,
    weights: 'random (Keras VGG16 structure; architecture speed only, weights not downloadable here)',
    ours: { ...ours.result, ...ours.load },
    peer: { ...peer.result, ...peer.load },
    oursVsPeer:
      'imagesPerSec' in peer.result ? round(ours.result.imagesPerSec / peer.result.imagesPerSec) : null,
  };
}
