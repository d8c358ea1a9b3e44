/**
 * Data and model quality (issue 13), engine side. Every entry point is a plain async function over
 * engine values (scan files, `extractFeatures` items, a run's models) returning zod-typed results from
 * `src/shared/quality.ts`, so a CLI flag or an IPC channel can call it directly.
 */
export {
  findDuplicates,
  duplicateImagesOf,
  type DuplicateImage,
  type FindDuplicatesInput,
} from './duplicates';
export { pooledEmbeddings } from './embed';
export { perceptualHash, perceptualHashes, type PerceptualHash } from './phash';
export { cachedPerceptualHashes, PHASH_VERSION } from './phash-cache';
export { similarPairs } from './similarity';
export {
  applyChange,
  applyQualityState,
  dedupeChange,
  emptyQualityState,
  excludeChange,
  includeChange,
  keepLabelChange,
  redoState,
  resolveGroupChange,
  undoState,
  type DedupeSummary,
} from './state';
export { CvData, crossValidate, type CvTrainSettings } from './cross-val';
export { rankLabelIssues, reviewLabels } from './label-review';
export { applyRelabel, planRelabel, redoLast, undoLast } from './relabel';
export { QualityRequestError, QualityStoppedError, RelabelError } from './errors';
export { autoHead, headGrid, pickWinner, withWinner, DEFAULT_GRID } from './head-auto';
export { gradCam, gradCamForRequest, overlayRgba, camSampler, type GradCamModel } from './gradcam';
