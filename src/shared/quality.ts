/**
 * Data and model quality (issue 13): duplicate and leak reports, the project's quality state with its
 * undo stack, label review, head selection by cross-validation and Grad-CAM. Everything here crosses a
 * process boundary (engine → main → renderer, or the CLI's JSON), so types come from these schemas.
 */
import { z } from 'zod';
import { SplitName } from './dataset';
import { HeadSpec } from './head';

/** sha256 of a file's bytes, lowercase hex (the feature cache's key). */
export const ContentHash = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 content hash (64 hex digits)');
export type ContentHash = z.infer<typeof ContentHash>;

// ---------------------------------------------------------------------------------------------------
// Duplicates and leaks

/** How two images were found to be the same picture. */
export const DuplicateSignal = z.enum(['exact', 'phash', 'embedding']);
export type DuplicateSignal = z.infer<typeof DuplicateSignal>;

export const DuplicateOptions = z.object({
  /**
   * Cosine similarity of centred, L2-normalised pooled embeddings at or above which two images are
   * near-duplicates. 0.70 separates planted crops/flips/re-encodes from distinct photos with
   * MobileNetV2-0.35 on hymenoptera (0.72 lowest planted, 0.68 highest distinct pair).
   */
  embeddingThreshold: z.number().min(0).max(1).default(0.7),
  /**
   * …and stands out from both photos' own neighbourhoods by this much: cosine − the larger of the two
   * photos' mean cosine to their 5 nearest other photos (local scaling, quality/local-scaling.ts). 0 turns
   * it off. Calibrated on hymenoptera with planted copies: distinct look-alikes stand out by ≤ 0.21 with
   * MobileNet v1-0.25 (whose cosines alone overlap: 0.783 distinct vs 0.776 for a planted crop), copies
   * by ≥ 0.25 (≥ 0.28 with MobileNetV2-0.35).
   */
  localMargin: z.number().min(0).max(1).default(0.23),
  /** Perceptual-hash distance (bits of 64, either orientation) at or below which images match. */
  phashMaxDistance: z.number().int().min(0).max(24).default(8),
});
export type DuplicateOptions = z.infer<typeof DuplicateOptions>;
export type DuplicateOptionsInput = z.input<typeof DuplicateOptions>;

/** The strongest link from one group member to another. */
export const DuplicateMatch = z.object({
  rel: z.string(),
  signal: DuplicateSignal,
  /** Cosine similarity for `embedding`, 1 − bits/64 for `phash`, 1 for `exact`. */
  similarity: z.number(),
  /** `phash` only: differing bits, and whether the match is with the mirrored image. */
  distance: z.number().int().optional(),
  mirrored: z.boolean().optional(),
});
export type DuplicateMatch = z.infer<typeof DuplicateMatch>;

export const DuplicateMember = z.object({
  contentHash: ContentHash,
  rel: z.string(),
  path: z.string(),
  split: SplitName,
  classIndex: z.number().int().min(0),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  bytes: z.number().int().optional(),
  match: DuplicateMatch,
});
export type DuplicateMember = z.infer<typeof DuplicateMember>;

export const DuplicateGroup = z.object({
  /** Stable for the same set of contents: derived from the sorted content hashes. */
  id: z.string(),
  members: z.array(DuplicateMember).min(2),
  /** Spans train and val/test: inflates validation accuracy. */
  leak: z.boolean(),
  /** Spans classes: the same picture with two labels. */
  conflict: z.boolean(),
  splits: z.array(SplitName),
  classes: z.array(z.number().int()),
  signals: z.array(DuplicateSignal),
});
export type DuplicateGroup = z.infer<typeof DuplicateGroup>;

export const DuplicateReport = z.object({
  groups: z.array(DuplicateGroup),
  counts: z.object({
    images: z.number().int(),
    groups: z.number().int(),
    leaks: z.number().int(),
    conflicts: z.number().int(),
    /** Files beyond the first of each group. */
    redundant: z.number().int(),
  }),
  options: DuplicateOptions,
  /** What ran: null where a signal was not available (no base loaded, no perceptual hashes). */
  embedding: z
    .object({
      method: z.string(),
      dim: z.number().int(),
      reducedDim: z.number().int(),
      candidates: z.number().int(),
      pairs: z.number().int(),
      ms: z.number(),
      /** Where the time went: projection (fit + rank choice), ORT product, JavaScript verification. */
      phasesMs: z.object({
        project: z.number(),
        product: z.number(),
        verify: z.number(),
        /** Neighbourhoods of the pairs' photos for the local margin. */
        local: z.number().optional(),
      }),
      /** Pairs above the threshold left out because they do not stand out from their neighbourhoods. */
      crowdedPairs: z.number().int().optional(),
    })
    .nullable(),
  phash: z.object({ comparisons: z.number().int(), pairs: z.number().int(), ms: z.number() }).nullable(),
  ms: z.number(),
});
export type DuplicateReport = z.infer<typeof DuplicateReport>;

// ---------------------------------------------------------------------------------------------------
// The project's quality state: what the user decided, and how to take it back

const SetDiff = z.object({ add: z.array(z.string()).default([]), remove: z.array(z.string()).default([]) });

/** A file moved by a relabel (absolute paths inside the dataset folder). */
export const FileMove = z.object({
  from: z.string(),
  to: z.string(),
  contentHash: ContentHash,
  bytes: z.number().int().min(0),
});
export type FileMove = z.infer<typeof FileMove>;

/** One undoable change: exactly what it altered, so undo restores the previous state and nothing else. */
export const QualityChange = z.object({
  label: z.string(),
  at: z.string(),
  exclusions: SetDiff.default({ add: [], remove: [] }),
  splitOverrides: z
    .array(z.object({ hash: ContentHash, before: SplitName.nullable(), after: SplitName.nullable() }))
    .default([]),
  keepCopy: z
    .array(z.object({ hash: ContentHash, before: z.string().nullable(), after: z.string().nullable() }))
    .default([]),
  keptLabels: SetDiff.default({ add: [], remove: [] }),
  dismissedGroups: SetDiff.default({ add: [], remove: [] }),
  /** Files a relabel moved, in order; undo moves them back (verifying their bytes). */
  moves: z.array(FileMove).default([]),
});
export type QualityChange = z.infer<typeof QualityChange>;
export type QualityChangeInput = z.input<typeof QualityChange>;

export const QualityState = z.object({
  /** Content hashes left out of the project (every copy of those bytes). Files are never deleted. */
  exclusions: z.array(ContentHash).default([]),
  /** Content hash → the split it is forced into. */
  splitOverrides: z.record(z.string(), SplitName).default({}),
  /** For byte-identical files: content hash → the one file (dataset-relative path) that is used. */
  keepCopy: z.record(z.string(), z.string()).default({}),
  /** Label review: images the user confirmed as labelled right (not shown again). */
  keptLabels: z.array(ContentHash).default([]),
  /** Duplicate groups the user chose to keep as they are (not shown again). */
  dismissedGroups: z.array(z.string()).default([]),
  undo: z.array(QualityChange).default([]),
  redo: z.array(QualityChange).default([]),
});
export type QualityState = z.infer<typeof QualityState>;

/** A user's decision about one duplicate group. */
export const GroupResolution = z.discriminatedUnion('type', [
  z.object({ type: z.literal('keepAll'), groupId: z.string() }),
  /** Keep this file; exclude every other member (by content hash). */
  z.object({ type: z.literal('keepOne'), groupId: z.string(), keepRel: z.string() }),
  z.object({ type: z.literal('moveToSplit'), groupId: z.string(), split: SplitName }),
]);
export type GroupResolution = z.infer<typeof GroupResolution>;

// ---------------------------------------------------------------------------------------------------
// Label review

export const LabelSuspect = z.object({
  contentHash: ContentHash,
  rel: z.string(),
  path: z.string(),
  label: z.number().int(),
  /** The most probable other class. */
  suggested: z.number().int(),
  /** Out-of-sample probabilities (from the fold that did not train on this image). */
  probabilities: z.array(z.number()),
  /** Per-class-threshold-normalised margin: p[label]/t[label] − max over others p[k]/t[k]. Lower is worse. */
  score: z.number(),
  /** In the confident joint's off-diagonal: below its class's threshold and above another's. */
  flagged: z.boolean(),
});
export type LabelSuspect = z.infer<typeof LabelSuspect>;

export const LabelReview = z.object({
  classes: z.array(z.string()),
  /** Per class: average self-confidence of the images labelled with it. */
  thresholds: z.array(z.number()),
  /** Worst first. Images the user kept are left out. */
  queue: z.array(LabelSuspect),
  flagged: z.number().int(),
  cv: z.object({
    folds: z.number().int(),
    /** Splits averaged (absent from reviews made before repeats existed). */
    repeats: z.number().int().min(1).optional(),
    /** Mean over the repeats. */
    accuracy: z.number(),
    logLoss: z.number(),
    ms: z.number(),
  }),
});
export type LabelReview = z.infer<typeof LabelReview>;

/** A relabel exactly as the confirmation shows it: this file moves to that path. */
export const RelabelPlan = z.object({
  from: z.string(),
  to: z.string(),
  contentHash: ContentHash,
  bytes: z.number().int().min(0),
  fromClass: z.string(),
  toClass: z.string(),
});
export type RelabelPlan = z.infer<typeof RelabelPlan>;

export const ConfirmedRelabel = z.object({ plan: RelabelPlan, confirmed: z.literal(true) });
export type ConfirmedRelabel = z.infer<typeof ConfirmedRelabel>;

// ---------------------------------------------------------------------------------------------------
// Head chosen by cross-validation

export const HeadCandidate = z.object({
  id: z.string(),
  preset: z.string(),
  learningRate: z.number().positive(),
  /** L2 on the head's hidden Dense layers (none for `linear`). */
  l2: z.number().min(0),
  head: HeadSpec,
});
export type HeadCandidate = z.infer<typeof HeadCandidate>;

export const HeadCvRow = z.object({
  candidate: HeadCandidate,
  status: z.enum(['done', 'skipped']),
  /** Why it was skipped (over the time budget). */
  reason: z.string().optional(),
  accuracy: z.number().nullable(),
  logLoss: z.number().nullable(),
  foldAccuracy: z.array(z.number()),
  ms: z.number(),
});
export type HeadCvRow = z.infer<typeof HeadCvRow>;

export const HeadAutoResult = z.object({
  folds: z.number().int(),
  /** Times the k-fold split was drawn (with other seeds); each row averages all of them. */
  repeats: z.number().int().min(1).default(1),
  rows: z.array(HeadCvRow),
  /** The candidate with the lowest mean out-of-fold log loss (ties: higher accuracy, stronger L2). */
  winner: HeadCandidate,
  /** The winner's scores: mean out-of-fold accuracy, its standard error, and the mean log loss. */
  best: z
    .object({
      id: z.string(),
      accuracy: z.number(),
      standardError: z.number(),
      logLoss: z.number().optional(),
    })
    .optional(),
  /**
   * The cost bound at work: candidates were ranked on `vectors` of the `of` training vectors (a
   * class-stratified sample past the budget; the winner then trains on all), in `fits` head fits.
   */
  sample: z.object({ vectors: z.number().int(), of: z.number().int(), fits: z.number().int() }).optional(),
  ms: z.number(),
});
export type HeadAutoResult = z.infer<typeof HeadAutoResult>;

/** " on a sample of m of n images" when head auto ranked its candidates on a sample (its cost bound). */
export function sampledNote(r: Pick<HeadAutoResult, 'sample'>): string {
  return r.sample && r.sample.vectors < r.sample.of
    ? ` on a sample of ${r.sample.vectors} of ${r.sample.of} images`
    : '';
}

// ---------------------------------------------------------------------------------------------------
// Grad-CAM

export const GradCamRequest = z.object({
  path: z.string(),
  /** Class whose score is explained (default: the predicted class). */
  classIndex: z.number().int().min(0).optional(),
  /** Heatmap opacity over the photo, 0–1. */
  opacity: z.number().min(0).max(1).default(0.5),
  format: z.enum(['png', 'jpeg']).default('jpeg'),
  /** Longest side of the overlay in pixels. */
  maxSide: z.number().int().min(16).max(4096).default(512),
});
export type GradCamRequest = z.infer<typeof GradCamRequest>;
export type GradCamRequestInput = z.input<typeof GradCamRequest>;

export const GradCamResult = z.object({
  classIndex: z.number().int(),
  probabilities: z.array(z.number()),
  /** The map at the feature map's resolution, row-major, normalised to [0, 1]. */
  cam: z.array(z.number()),
  camWidth: z.number().int(),
  camHeight: z.number().int(),
  /** The overlay's size (the photo's aspect ratio, longest side ≤ maxSide). */
  width: z.number().int(),
  height: z.number().int(),
  overlay: z.string(),
});
export type GradCamResult = z.infer<typeof GradCamResult>;
