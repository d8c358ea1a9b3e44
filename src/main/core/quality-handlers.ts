/**
 * Data quality (issue 13): duplicates and leaks, label review, relabel, undo — and Grad-CAM on the
 * Evaluate screen. Decisions are pure state changes kept in the dataset's settings entry (so they live
 * with the project and survive restarts); file moves and all image work run in the engine process.
 */
import path from 'node:path';
import type { QualityView } from '@shared/ipc/contract';
import type { DuplicateReport, LabelReview, QualityState } from '@shared/quality';
import { TrainConfig } from '@shared/train';
import type { PredictInput } from '@shared/ipc/engine-protocol';
import {
  applyChange,
  emptyQualityState,
  excludeChange,
  includeChange,
  keepLabelChange,
  resolveGroupChange,
} from '../engine/quality/state';
import { planRelabel } from '../engine/quality/relabel';
import { ApiException } from './api-error';
import { toView, type OpenedDataset } from './datasets';
import { runJob } from './engine-jobs';
import type { HandlerContext, HandlersFor } from './handler-context';

type QualityChannel =
  | 'getQuality'
  | 'findDuplicates'
  | 'resolveDuplicateGroup'
  | 'reviewLabels'
  | 'setExcluded'
  | 'keepLabel'
  | 'planRelabel'
  | 'applyRelabel'
  | 'undoQuality'
  | 'redoQuality'
  | 'gradCam';

export function qualityHandlers(ctx: HandlerContext): HandlersFor<QualityChannel> {
  const { settings, datasets, engine, events } = ctx;
  /** The last duplicate report per dataset: group decisions refer to its groups. */
  const reports = new Map<string, DuplicateReport>();
  const reviews = new Map<string, LabelReview>();

  const stateOf = (d: OpenedDataset): QualityState =>
    settings.get('datasetConfigs')[d.realRoot]?.quality ?? emptyQualityState();
  const save = (d: OpenedDataset, state: QualityState) => {
    const all = settings.get('datasetConfigs');
    settings.set('datasetConfigs', { ...all, [d.realRoot]: { ...all[d.realRoot], quality: state } });
  };
  const view = (d: OpenedDataset, state = stateOf(d), rescanned = false): QualityView => ({
    datasetId: d.id,
    state,
    dataset: rescanned ? toView(datasets.opened(d.id)) : null,
  });
  const configFor = (d: OpenedDataset, given?: TrainConfig): TrainConfig =>
    given ?? settings.get('datasetConfigs')[d.realRoot]?.train ?? TrainConfig.parse({});
  const change = (d: OpenedDataset, next: QualityState) => {
    save(d, next);
    return view(d, next);
  };
  /** Files moved: scan again (same split options) so the Dataset screen and the next run see them. */
  const rescan = async (d: OpenedDataset) => {
    const scan = await runJob(engine, events, 'scan', { root: d.realRoot, split: d.split }, 'Rescanning');
    datasets.add(scan, d.realRoot, d.split, d.scanMs);
  };
  const relabelOp = async (d: OpenedDataset, op: 'undo' | 'redo') => {
    const state = stateOf(d);
    const top = op === 'undo' ? state.undo.at(-1) : state.redo.at(-1);
    if (!top) throw new ApiException('BAD_REQUEST', `nothing to ${op}`);
    const next = await runJob(
      engine,
      events,
      'relabel',
      { op, root: d.realRoot, state },
      `${op}: ${top.label}`,
    );
    save(d, next);
    if (top.moves.length) await rescan(d);
    return view(d, next, top.moves.length > 0);
  };
  const scanPayload = async (d: OpenedDataset, given?: TrainConfig) => {
    const config = configFor(d, given);
    return {
      scan: d.scan,
      config: { ...config, base: await ctx.bases.ref(config.base) },
      cacheDir: ctx.cacheDir(),
      backend: settings.get('preferredBackend'),
    };
  };

  return {
    async getQuality(req) {
      return view(datasets.opened(req.datasetId));
    },

    async findDuplicates(req) {
      const d = datasets.opened(req.datasetId);
      const r = await runJob(
        engine,
        events,
        'qualityScan',
        {
          ...(await scanPayload(d, req.config)),
          review: false,
          options: req.options ?? {},
          kept: [],
        },
        `Finding duplicates in ${path.basename(d.realRoot)}`,
      );
      reports.set(d.id, r.duplicates);
      return { report: r.duplicates, quality: view(d) };
    },

    async resolveDuplicateGroup(req) {
      const d = datasets.opened(req.datasetId);
      const group = reports.get(d.id)?.groups.find((g) => g.id === req.resolution.groupId);
      if (!group)
        throw new ApiException(
          'NOT_FOUND',
          `no duplicate group ${req.resolution.groupId}: find duplicates again`,
        );
      const state = stateOf(d);
      return change(d, applyChange(state, resolveGroupChange(state, group, req.resolution)));
    },

    async reviewLabels(req) {
      const d = datasets.opened(req.datasetId);
      const state = stateOf(d);
      const r = await runJob(
        engine,
        events,
        'qualityScan',
        { ...(await scanPayload(d, req.config)), review: true, kept: state.keptLabels },
        `Reviewing labels of ${path.basename(d.realRoot)}`,
      );
      reviews.set(d.id, r.review!);
      return { review: r.review!, quality: view(d, state) };
    },

    async setExcluded(req) {
      const d = datasets.opened(req.datasetId);
      const state = stateOf(d);
      const label = req.label ?? `${req.excluded ? 'exclude' : 'include'} ${req.hashes.length} image(s)`;
      const c = req.excluded
        ? excludeChange(state, req.hashes, label)
        : includeChange(state, req.hashes, label);
      return change(d, applyChange(state, c));
    },

    async keepLabel(req) {
      const d = datasets.opened(req.datasetId);
      const state = stateOf(d);
      return change(d, applyChange(state, keepLabelChange(state, req.contentHash, req.rel)));
    },

    async planRelabel(req) {
      const d = datasets.opened(req.datasetId);
      const file = d.scan.files.find((f) => f.rel === req.rel);
      if (!file) throw new ApiException('NOT_FOUND', `no file ${req.rel} in this dataset`);
      return planRelabel({
        root: d.realRoot,
        layout: d.scan.layout,
        file,
        classes: d.scan.classes,
        toClass: req.toClass,
      });
    },

    async applyRelabel(req) {
      const d = datasets.opened(req.datasetId);
      const next = await runJob(
        engine,
        events,
        'relabel',
        { op: 'apply', root: d.realRoot, state: stateOf(d), request: req.relabel },
        `Relabel ${path.basename(req.relabel.plan.from)} → ${req.relabel.plan.toClass}`,
      );
      save(d, next);
      await rescan(d);
      return view(d, next, true);
    },

    async undoQuality(req) {
      return relabelOp(datasets.opened(req.datasetId), 'undo');
    },

    async redoQuality(req) {
      return relabelOp(datasets.opened(req.datasetId), 'redo');
    },

    async gradCam(req) {
      if (!ctx.runs.get(req.runId)) throw new ApiException('NOT_FOUND', `no run ${req.runId}`);
      let item: PredictInput;
      if ('data' in req.item)
        item = { name: req.item.name, bytes: new Uint8Array(Buffer.from(req.item.data, 'base64')) };
      else
        item = { name: path.basename(req.item.path), path: await ctx.fsPolicy.resolveAllowed(req.item.path) };
      return runJob(
        engine,
        events,
        'gradCam',
        {
          runId: req.runId,
          // Opacity 1: the colour map alone; the renderer lays it over the photo with its own slider.
          request: {
            path: 'path' in item ? item.path : item.name,
            classIndex: req.classIndex,
            opacity: 1,
            format: 'png',
            maxSide: req.maxSide,
          },
          bytes: 'bytes' in item ? item.bytes : undefined,
        },
        `Grad-CAM of ${item.name}`,
      );
    },
  };
}
