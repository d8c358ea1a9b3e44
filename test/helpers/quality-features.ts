import type { DatasetScan } from '@shared/dataset';
import { initBackend } from '../../src/main/engine/backend';
import { loadBase } from '../../src/main/engine/bases/load';
import { resolveBase } from '../../src/main/engine/bases/resolve';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { extractFeatures, type FeatureItem, type FeatureSet } from '../../src/main/engine/extract/features';
import { LazyExtractor } from '../../src/main/engine/extract/lazy';
import type { CvSource } from '../../src/main/engine/quality/cross-val';
import { FeatureStore, type StoredForm } from '../../src/main/engine/store/store';
import { MODELS } from './shared';

/** Clean (un-augmented) features of every image of a dataset through a real base, stored in `cacheDir`. */
export async function cleanFeatures(
  root: string,
  baseId: string,
  cacheDir: string,
  form: StoredForm,
): Promise<{ set: FeatureSet; scan: DatasetScan; featureShape: number[] }> {
  const backend = await initBackend('auto');
  const scan = await scanDataset(root);
  const base = await loadBase(await resolveBase(baseId, { mirrorDir: MODELS }));
  const pixel = { inputSize: base.inputSize, resize: 'stretch' as const, preprocessing: base.preprocessing };
  const extractor = new LazyExtractor(base, backend, pixel, 2);
  try {
    const set = await extractFeatures({
      files: scan.files,
      base,
      extractor,
      pixel,
      store: new FeatureStore(cacheDir),
      form,
      augment: null,
      views: 1,
      seed: 42,
    });
    return { set, scan, featureShape: base.featureShape };
  } finally {
    await extractor.close();
    base.full.dispose();
  }
}

/** The set's rows of the items' clean views, as cross-validation reads them. */
export function cvSources(set: FeatureSet, items: FeatureItem[]): Partial<Record<StoredForm, CvSource>> {
  return { [set.form]: { table: set.table, rows: items.map((it) => it.views[0]) } };
}
