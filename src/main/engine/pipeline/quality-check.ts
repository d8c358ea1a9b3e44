/**
 * What `train` checks before training (issue 13): duplicates and train/val leaks, optionally removed
 * (`--dedupe`), likely label errors (`--review`), and the head chosen by cross-validation (`--head auto`).
 * It loads the base and computes clean features through the same store a run uses, so the run that
 * follows reads them from the cache (without a cache they are computed twice).
 */
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import type { DatasetScan } from '@shared/dataset';
import type {
  DuplicateOptionsInput,
  DuplicateReport,
  HeadAutoResult,
  HeadCvRow,
  LabelReview,
} from '@shared/quality';
import type { TrainConfig } from '@shared/train';
import { filesAfter, withFiles } from '../quality/apply-scan';
import { duplicateImagesOf, findDuplicates } from '../quality/duplicates';
import { reviewLabels } from '../quality/label-review';
import { phashOfDecode, type PerceptualHash } from '../quality/phash';
import { cachedPerceptualHashes } from '../quality/phash-cache';
import { embeddingsForSearch } from '../quality/similarity';
import {
  applyChange,
  applyQualityState,
  dedupeChange,
  emptyQualityState,
  type DedupeSummary,
} from '../quality/state';
import { withoutEmptyClasses } from '../dataset/scan';
import { storedFormFor } from '../train/hoist';
import type { PipelineContext } from './context';
import { chooseHead, cleanFeatures, cvDataOf, type PrePassInput } from './pre-pass';

export interface QualityCheckInput extends PrePassInput {
  /** Keep one image per duplicate group (one per class of a conflict), never split a group across splits. */
  dedupe: boolean;
  /** Rank likely label errors among the training images. */
  review: boolean;
  /** Choose the head (preset × learning rate × L2) by k-fold cross-validation on the training split. */
  headAuto: boolean;
  duplicateOptions?: DuplicateOptionsInput;
  /** Content hashes label review leaves out (the user kept their labels). */
  kept?: Iterable<string>;
}

export interface QualityCheckOutput {
  /**
   * The check's own pass over the base (before the run, which then reads these features from the cache):
   * on a cold cache this is where the images went through the base, not the run's `features`.
   */
  extraction: { computed: number; cached: number; runtime: string; ms: number };
  duplicates: DuplicateReport;
  /** With `dedupe`: what it decided, and `files` left out (excluded contents and byte-identical copies). */
  dedupe: (DedupeSummary & { files: number }) | null;
  /** The scan to train on: with `dedupe`, duplicates excluded and groups moved into one split. */
  scan: DatasetScan;
  review: LabelReview | null;
  headAuto: HeadAutoResult | null;
  /** The config to train: with `headAuto`, the winner's head and learning rate. */
  config: TrainConfig;
}

/** Label review's head: the default preset (a pooling head: cheap to cross-validate). */
const REVIEW_HEAD = HeadSpec.parse(HEAD_PRESETS.light);

export async function qualityCheck(
  runCtx: PipelineContext,
  i: QualityCheckInput,
): Promise<QualityCheckOutput> {
  // Skipped files are reported by the run that follows: once is enough.
  const ctx: PipelineContext = { ...runCtx, emit: (e) => e.type !== 'problem' && runCtx.emit(e) };
  const info = (message: string) => ctx.emit({ type: 'log', jobId: ctx.jobId, level: 'info', message });
  // Class indices as the run will number them (empty class folders left out).
  const usable = withoutEmptyClasses(i.scan);
  // Head auto's grid trains pooling heads on pooled vectors; otherwise what the run's head stores.
  // Perceptual hashes of the images extraction decodes are taken from that decode (no second one).
  const decodedHashes = new Map<string, PerceptualHash>();
  const pass = await cleanFeatures(
    ctx,
    i,
    usable.files,
    (shape) => (i.headAuto ? 'avg' : storedFormFor(i.config.head, shape)),
    (hash, img) => {
      const h = phashOfDecode(img, i.config.resize);
      if (h) decodedHashes.set(hash, h);
    },
  );
  const { set } = pass;
  const form = set.form;
  let closed: Promise<void> | null = null;
  const closeTable = () => (closed ??= set.table.close());
  const extraction: QualityCheckOutput['extraction'] = {
    computed: set.computed,
    cached: set.cached,
    runtime: pass.runtime,
    ms: pass.ms,
  };
  try {
    // From extraction's decode where it ran, else cached by content hash, else decoded (then cached).
    const { hashes: phashes } = await cachedPerceptualHashes(
      set.items.map((it) => ({ path: it.file.path, contentHash: it.hash })),
      i.cacheDir,
      { signal: ctx.signal, known: decodedHashes },
    );
    const embeddings = form === 'max' ? null : await embeddingsForSearch(set, set.items);
    // Without cross-validation next, nothing reads the vectors again: free them (in memory, 2.5 KB an
    // image as float16) before the search takes its own rows, rather than holding both at its peak.
    const cvFollows = i.headAuto || i.review;
    if (!cvFollows) await closeTable();
    const duplicates = await findDuplicates({
      images: duplicateImagesOf(set.items),
      embeddings,
      phashes,
      options: i.duplicateOptions,
      signal: ctx.signal,
    });
    const leaky = duplicates.counts.leaks + duplicates.counts.conflicts > 0;
    ctx.emit({
      type: 'log',
      jobId: ctx.jobId,
      level: leaky && !i.dedupe ? 'warn' : 'info',
      message: describeDuplicates(duplicates),
    });
    let scan = i.scan;
    let items = set.items;
    let dedupe: QualityCheckOutput['dedupe'] = null;
    if (i.dedupe && duplicates.groups.length) {
      const s0 = emptyQualityState();
      const d = dedupeChange(s0, duplicates);
      const applied = applyQualityState(set.items, applyChange(s0, d.change));
      items = applied.items;
      scan = withFiles(i.scan, filesAfter(i.scan.files, applied.items, applied.excluded));
      dedupe = { ...d.summary, files: applied.excluded.length };
      info(
        `Dedupe: left out ${dedupe.files} duplicate file(s) in ${dedupe.groups} group(s), moved ${dedupe.moved} into one split` +
          (dedupe.conflicts ? ` (${dedupe.conflicts} conflict group(s) keep one image per class)` : ''),
      );
    }
    const train = items.filter((it) => it.file.split === 'train');
    const cvData = () => cvDataOf(set, train, usable.classes.length);
    let config = i.config;
    let headAuto: HeadAutoResult | null = null;
    if (i.headAuto) ({ result: headAuto, config } = await chooseHead(ctx, cvData(), config));
    const review = i.review
      ? await reviewLabels({
          data: cvData(),
          classes: usable.classes,
          head: REVIEW_HEAD,
          settings: i.config,
          kept: i.kept,
          signal: ctx.signal,
        })
      : null;
    return { duplicates, dedupe, scan, review, headAuto, config, extraction };
  } finally {
    await closeTable();
  }
}

export function describeDuplicates(r: DuplicateReport): string {
  const c = r.counts;
  return (
    `Duplicates: ${c.groups} group(s) of ${c.images} images (${c.redundant} redundant) · ` +
    `${c.leaks} leak(s) across train/val · ${c.conflicts} label conflict(s)` +
    (c.leaks ? ' — leaks inflate validation accuracy; --dedupe removes them' : '')
  );
}

export function describeCvRow(r: HeadCvRow, winner: string): string[] {
  return [
    `${r.candidate.id === winner ? '* ' : '  '}${r.candidate.id}`,
    r.status === 'done' ? (r.accuracy! * 100).toFixed(1) : 'skipped',
    r.status === 'done' ? r.logLoss!.toFixed(3) : (r.reason ?? ''),
    (r.ms / 1000).toFixed(1),
  ];
}
