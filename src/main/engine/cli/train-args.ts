/**
 * `train`'s command line, parsed once at the trust boundary: what comes out is a parsed TrainConfig
 * and typed options, or a UsageError (one line, exit 2).
 */
import { BackendPreference } from '@shared/backends';
import { ExportFormatId } from '@shared/export-formats';
import { findRecipe, RECIPE_PRESETS } from '@shared/recipes';
import { SEED_RANGE, TrainConfig, type TrainConfigInput } from '@shared/train';
import { EXTRACTION_DEVICES, type ExtractionDevice } from '../onnx/devices';
import type { DuplicateOptions } from '@shared/quality';
import {
  augmentArg,
  backendArg,
  duplicateArgs,
  formatsArg,
  headArg,
  intArg,
  numArg,
  UsageError,
} from './args';
import { parseCli } from './parse';

export const TRAIN_USAGE = `usage: npm run train -- --data <dir> [--recipe ${RECIPE_PRESETS.map((r) => r.id).join('|')}] [--base <id|dir>] [--head <auto|preset|json>] [--augment <json|keras>]
       [--epochs N] [--fine-tune-layers N] [--out <dir>] [--cache-dir <dir>] [--json]
       [--format ${ExportFormatId.options.join(',')}|both|all] [--lr X] [--batch-size N] [--seed N] [--backend ${BackendPreference.options.join('|')}]
       [--device ${EXTRACTION_DEVICES.join('|')}] [--val-fraction X] [--views N] [--class-weight balanced] [--patience N]
       [--fine-tune-epochs N] [--dedupe] [--review [N]] [--dup-threshold X] [--dup-margin X] [--dup-phash-bits N]
       (the head is chosen by cross-validation on the training split, --head auto, unless --head, --lr
       or a recipe's head is given)
       npm run train -- --resume <run dir> [--out <dir>] [--cache-dir <dir>] [--json] [--format …] [--backend …] [--device …]`;

/** Label suspects `--review` prints when no count is given. */
export const DEFAULT_REVIEW_COUNT = 10;

/** What `--resume` may be given with: where and how to run, never what to train (that is the run's). */
const RESUME_OPTIONS = ['resume', 'out', 'cache-dir', 'json', 'format', 'backend', 'device', 'help'];

interface RequestCommon {
  out?: string;
  cacheDir?: string;
  json: boolean;
  formats: ExportFormatId[];
  backend: BackendPreference;
  /** What runs the frozen base: an ONNX Runtime device (`auto` picks the best) or `tfjs`. */
  device: ExtractionDevice;
}

/** A new run (its data and config), or a resume of the run in a folder (its config is the run's). */
export type TrainRequest =
  | (RequestCommon & {
      kind: 'new';
      data: string;
      config: TrainConfig;
      /**
       * `--head auto` (the default unless `--head`, `--lr` or a recipe's head is given): choose the head
       * and learning rate by cross-validation on the training split before training.
       */
      headAuto: boolean;
      /** `--dedupe`: keep one image per duplicate group, never split a group across train/val. */
      dedupe: boolean;
      /** `--review [N]`: print the N likeliest label errors (0: off). */
      review: number;
      /** The duplicate search's settings (`--dup-threshold`, `--dup-margin`, `--dup-phash-bits`). */
      duplicates: DuplicateOptions;
    })
  | (RequestCommon & { kind: 'resume'; runDir: string });

/** The parsed request, or null when `--help` was asked for. */
export function parseTrainArgs(
  argv: string[],
  defaults: { data?: string; out?: string } = {},
): TrainRequest | null {
  const { values, tokens, positionals } = parseCli({
    args: reviewCount(argv),
    options: {
      data: { type: 'string' },
      recipe: { type: 'string' },
      base: { type: 'string' },
      head: { type: 'string' },
      augment: { type: 'string' },
      epochs: { type: 'string' },
      'fine-tune-layers': { type: 'string' },
      'fine-tune-epochs': { type: 'string' },
      out: { type: 'string' },
      'cache-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      format: { type: 'string' },
      lr: { type: 'string' },
      'batch-size': { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      device: { type: 'string', default: 'auto' },
      'val-fraction': { type: 'string' },
      views: { type: 'string' },
      'class-weight': { type: 'string' },
      patience: { type: 'string' },
      resume: { type: 'string' },
      dedupe: { type: 'boolean', default: false },
      review: { type: 'boolean', default: false },
      'dup-threshold': { type: 'string' },
      'dup-margin': { type: 'string' },
      'dup-phash-bits': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    tokens: true,
    allowPositionals: true,
  });
  // Only `--review N` may leave a positional (see reviewCount); anything else is a stray argument.
  const stray = positionals.find((p) => !p.startsWith(REVIEW_N));
  if (stray !== undefined) throw new UsageError(`Unexpected argument '${stray}'`);
  const reviewN = positionals.length ? Number(positionals[0].slice(REVIEW_N.length)) : DEFAULT_REVIEW_COUNT;
  if (values.help) return null;
  const formats = formatsArg(values.format);
  const backend = backendArg(values.backend);
  const device = values.device as ExtractionDevice;
  if (!EXTRACTION_DEVICES.includes(device))
    throw new UsageError(`unknown --device ${device} (expected ${EXTRACTION_DEVICES.join(', ')})`);
  const common = {
    out: values.out,
    cacheDir: values['cache-dir'],
    json: values.json,
    formats,
    backend,
    device,
  };
  if (values.resume !== undefined) {
    const extra = [...new Set(tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : [])))].filter(
      (n) => !RESUME_OPTIONS.includes(n),
    );
    if (extra.length)
      throw new UsageError(
        `--resume continues the run with its own data and settings: ${extra.map((n) => `--${n}`).join(', ')} cannot be given with it`,
      );
    if (!values.resume) throw new UsageError('--resume needs the run folder');
    return { kind: 'resume', runDir: values.resume, ...common };
  }
  const data = values.data ?? defaults.data;
  if (!data) throw new UsageError('--data <dir> is required (see --help)');
  const ftLayers = intArg('--fine-tune-layers', values['fine-tune-layers']);
  const patience = intArg('--patience', values.patience, 1);
  const valFraction = values['val-fraction'] === undefined ? undefined : Number(values['val-fraction']);
  if (valFraction !== undefined && !(valFraction > 0 && valFraction < 1))
    throw new UsageError('--val-fraction must be between 0 and 1');
  const input: TrainConfigInput = {
    base: values.base,
    head: values.head === 'auto' ? undefined : headArg(values.head),
    augment: augmentArg(values.augment),
    epochs: intArg('--epochs', values.epochs, 1),
    learningRate: numArg('--lr', values.lr),
    batchSize: intArg('--batch-size', values['batch-size'], 1),
    seed: intArg('--seed', values.seed, ...SEED_RANGE),
    augmentViews: intArg('--views', values.views, 1),
    classWeight: values['class-weight'] === 'balanced' ? 'balanced' : undefined,
    split: valFraction !== undefined ? { valFraction } : undefined,
    earlyStopping: patience ? { patience, restoreBest: true } : undefined,
    fineTune: ftLayers
      ? { layers: ftLayers, epochs: intArg('--fine-tune-epochs', values['fine-tune-epochs'], 1) }
      : undefined,
  };
  const recipe = values.recipe === undefined ? undefined : findRecipe(values.recipe);
  if (values.recipe !== undefined && !recipe)
    throw new UsageError(
      `unknown --recipe ${values.recipe} (one of ${RECIPE_PRESETS.map((r) => r.id).join(', ')})`,
    );
  // A recipe sets its fields; flags given beside it override them.
  const parsed = TrainConfig.safeParse({
    ...recipe?.config,
    ...(JSON.parse(JSON.stringify(input)) as TrainConfigInput),
  });
  if (!parsed.success)
    throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return {
    kind: 'new',
    data,
    config: parsed.data,
    ...common,
    out: values.out ?? defaults.out,
    // Auto picks the head and the learning rate, so naming either (or a recipe's head) turns it off.
    headAuto:
      values.head === 'auto' ||
      (values.head === undefined && values.lr === undefined && recipe?.config.head === undefined),
    dedupe: values.dedupe,
    review: values.review ? reviewN : 0,
    duplicates: duplicateArgs(values),
  };
}

const REVIEW_N = '\0review=';

/** `--review` takes an optional count: `--review 20` becomes `--review` plus a tagged positional. */
function reviewCount(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--review(?:=(.*))?$/.exec(argv[i]);
    if (!m) {
      out.push(argv[i]);
      continue;
    }
    const value = m[1] ?? (/^\d+$/.test(argv[i + 1] ?? '') ? argv[++i] : undefined);
    out.push('--review');
    if (value !== undefined) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`--review takes a count of at least 1, got '${value}'`);
      out.push(`${REVIEW_N}${n}`);
    }
  }
  return out;
}
