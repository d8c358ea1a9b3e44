/**
 * Handlers for the Augment, Model, Train, Evaluate and Export screens. Tensor work happens in the
 * engine process (jobs); main validates, confines paths, and keeps run state (RunRegistry).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { inferHead } from '../../shared/head-shape';
import type { Request, Response } from '../../shared/ipc/contract';
import type { PredictInput } from '../../shared/ipc/engine-protocol';
import type { BaseDescription } from '../../shared/ipc/bases';
import { findBase } from '../engine/bases/registry';
import { resolveDatasetImage } from '../images/confine';
import { ApiException } from './api-error';
import { listBaseCards } from './bases';
import type { HandlerContext } from './handlers';
import { runJob } from './jobs';

type TrainChannel =
  | 'listBases'
  | 'describeBase'
  | 'addLocalBase'
  | 'removeLocalBase'
  | 'augmentPreview'
  | 'saveTrainConfig'
  | 'startTraining'
  | 'stopTraining'
  | 'listRuns'
  | 'deleteRun'
  | 'predictImages'
  | 'exportModel'
  | 'showInFolder';

export type TrainHandlers = { [C in TrainChannel]: (request: Request<C>) => Promise<Response<C>> };

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|bmp|tiff?|avif)$/i;
/** Images taken from a dropped folder. */
export const MAX_FOLDER_IMAGES = 100;

/** Image files under `dir` (a few levels deep), sorted, at most `max`. */
async function imagesIn(dir: string, max: number, depth = 3): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, level: number) => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const e of entries) {
      if (out.length >= max || e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isFile() && IMAGE_EXT.test(e.name)) out.push(full);
      else if (e.isDirectory() && level < depth) await walk(full, level + 1);
    }
  };
  await walk(dir, 0);
  return out;
}

export function createTrainHandlers(ctx: HandlerContext): TrainHandlers {
  const { settings, engine, datasets, events, runs } = ctx;
  const described = new Map<string, BaseDescription>();
  const modelsDir = () => path.join(ctx.cacheDir(), 'models');
  const cards = () => listBaseCards(settings.get('customBases'), modelsDir(), described);
  const dataset = (id: string) => {
    const d = datasets.get(id);
    if (!d) throw new ApiException('NOT_FOUND', `no open dataset with id ${id}; open it first`);
    return d;
  };
  const describe = async (base: string, download: boolean) => {
    const d = await runJob(
      engine,
      events,
      'describeBase',
      { base, modelsDir: modelsDir(), download, backend: settings.get('preferredBackend') },
      download ? `Downloading ${base}` : `Loading ${path.basename(base)}`,
    );
    described.set(d.ref, d);
    described.set(d.dir, d);
    return d;
  };
  /** A registry id as is; a model folder only where this mode may read (browser mode: the allowed roots). */
  const baseRef = async (base: string) => (findBase(base) ? base : ctx.fsPolicy.resolveAllowed(base));
  const liveRun = (runId: string) => {
    const r = runs.get(runId);
    if (!r) throw new ApiException('NOT_FOUND', `no run ${runId}`);
    if (!runs.isLive(runId))
      throw new ApiException(
        'NOT_FOUND',
        `the model of this run is no longer in memory (the engine restarted, the app restarted, or newer runs replaced it): train again with its configuration`,
      );
    return r;
  };

  return {
    async listBases() {
      return { bases: await cards() };
    },

    async describeBase(req) {
      return describe(await baseRef(req.base), req.download);
    },

    async addLocalBase(req) {
      const dir = await ctx.fsPolicy.resolveAllowed(req.path);
      const base = await describe(dir, false);
      const list = settings.get('customBases').filter((p) => p !== dir);
      settings.set('customBases', [...list, dir]);
      return { base, bases: await cards() };
    },

    async removeLocalBase(req) {
      settings.set(
        'customBases',
        settings.get('customBases').filter((p) => p !== req.path),
      );
      return { bases: await cards() };
    },

    async augmentPreview(req) {
      const d = dataset(req.datasetId);
      const t0 = performance.now();
      const items = await Promise.all(
        req.rels.map(async (rel, i) => {
          const r = await resolveDatasetImage(datasets.rootOf, d.id, rel);
          if (!r.ok)
            throw new ApiException(r.status === 403 ? 'FORBIDDEN' : 'NOT_FOUND', `${rel}: ${r.reason}`);
          // Distinct, reproducible draws per image and variant.
          const seeds = Array.from({ length: req.variants }, (_, j) => req.seed * 7919 + i * 101 + j);
          return { rel, path: r.path, seeds };
        }),
      );
      const out = await runJob(
        engine,
        events,
        'augmentPreview',
        { items, spec: req.spec, size: req.size, resize: req.resize },
        'Augmentation preview',
      );
      return { items: out, ms: Math.round(performance.now() - t0) };
    },

    async saveTrainConfig(req) {
      const d = dataset(req.datasetId);
      const all = settings.get('datasetConfigs');
      settings.set('datasetConfigs', { ...all, [d.realRoot]: { ...all[d.realRoot], train: req.config } });
      return { saved: true };
    },

    async startTraining(req) {
      const d = dataset(req.datasetId);
      // Train on the split the user sees on the Dataset screen.
      const config = { ...req.config, base: await baseRef(req.config.base), split: d.split };
      const featureShape = findBase(config.base)?.featureShape ?? described.get(config.base)?.featureShape;
      if (featureShape) {
        const info = inferHead(config.head, [...featureShape], d.scan.classes.length);
        if (info.error) {
          const where =
            info.error.index < config.head.layers.length ? `layer ${info.error.index + 1}` : 'classifier';
          throw new ApiException('BAD_REQUEST', `the head is invalid at ${where}: ${info.error.message}`);
        }
      }
      const all = settings.get('datasetConfigs');
      settings.set('datasetConfigs', { ...all, [d.realRoot]: { ...all[d.realRoot], train: config } });
      return runs.start({
        dataset: d,
        config,
        cacheDir: ctx.cacheDir(),
        backend: settings.get('preferredBackend'),
      });
    },

    async stopTraining(req) {
      return { stopping: runs.stop(req.runId) };
    },

    async listRuns() {
      return { runs: runs.list() };
    },

    async deleteRun(req) {
      await runs.remove(req.runId);
      return { runs: runs.list() };
    },

    async predictImages(req) {
      liveRun(req.runId);
      const t0 = performance.now();
      const items: PredictInput[] = [];
      for (const it of req.items) {
        if ('data' in it) {
          items.push({ name: it.name, bytes: new Uint8Array(Buffer.from(it.data, 'base64')) });
          continue;
        }
        const p = await ctx.fsPolicy.resolveAllowed(it.path);
        if ((await stat(p)).isDirectory()) {
          for (const f of await imagesIn(p, MAX_FOLDER_IMAGES))
            items.push({ name: path.relative(path.dirname(p), f), path: f });
        } else items.push({ name: it.name || path.basename(p), path: p });
      }
      if (items.length === 0) throw new ApiException('BAD_REQUEST', 'no images found in what was dropped');
      const predictions = await runJob(
        engine,
        events,
        'predict',
        { runId: req.runId, items: items.slice(0, MAX_FOLDER_IMAGES), k: req.k },
        `Predicting ${items.length} image${items.length === 1 ? '' : 's'}`,
      );
      return { predictions, ms: Math.round(performance.now() - t0) };
    },

    async exportModel(req) {
      liveRun(req.runId);
      const outDir = await ctx.fsPolicy.resolveWritable(req.outDir);
      return runJob(
        engine,
        events,
        'export',
        { runId: req.runId, outDir, format: req.format },
        `Exporting to ${path.basename(outDir)}`,
      );
    },

    async showInFolder(req) {
      if (!ctx.showItemInFolder)
        throw new ApiException('UNSUPPORTED', 'browser mode cannot open a file manager on the server');
      const p = await ctx.fsPolicy.resolveAllowed(req.path);
      ctx.showItemInFolder(p);
      return { shown: true };
    },
  };
}
