import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the checkout: real weights and photos, read-only. */
export const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const MODELS = path.join(SHARED, 'models');
export const HYMENOPTERA = path.join(SHARED, 'datasets', 'hymenoptera_data');
