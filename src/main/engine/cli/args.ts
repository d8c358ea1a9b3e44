import { existsSync, readFileSync } from 'node:fs';
import { AugmentSpec, KERAS_RECIPE_AUGMENT } from '@shared/augment';
import { BackendPreference } from '@shared/backends';
import { DEFAULT_EXPORT_FORMATS, ExportFormatId } from '@shared/export-formats';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { CodedError } from '@shared/errors';
import { DuplicateOptions } from '@shared/quality';

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends CodedError {
  override name = 'UsageError';
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

/** A JSON value given inline or as a path to a .json file. */
export function jsonArg(flag: string, value: string): unknown {
  const text =
    value.trim().startsWith('{') || value.trim().startsWith('[')
      ? value
      : existsSync(value)
        ? readFileSync(value, 'utf8')
        : null;
  if (text === null) throw new UsageError(`${flag}: not JSON and not a file: ${value}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag}: invalid JSON (${(e as Error).message})`);
  }
}

const zodMessage = (e: { issues: { path: PropertyKey[]; message: string }[] }) =>
  e.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');

export function headArg(value: string | undefined): HeadSpec | undefined {
  if (value === undefined) return undefined;
  if (value in HEAD_PRESETS) return HeadSpec.parse(HEAD_PRESETS[value as keyof typeof HEAD_PRESETS]);
  const raw = jsonArg('--head', value);
  const parsed = HeadSpec.safeParse(Array.isArray(raw) ? { layers: raw } : raw);
  if (!parsed.success)
    throw new UsageError(
      `--head: ${zodMessage(parsed.error)} (presets: ${Object.keys(HEAD_PRESETS).join(', ')})`,
    );
  return parsed.data;
}

export function augmentArg(value: string | undefined): AugmentSpec | undefined {
  if (value === undefined) return undefined;
  if (value === 'keras') return KERAS_RECIPE_AUGMENT;
  if (value === 'none') return AugmentSpec.parse({});
  const parsed = AugmentSpec.safeParse(jsonArg('--augment', value));
  if (!parsed.success) throw new UsageError(`--augment: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

export function intArg(flag: string, value: string | undefined, min = 0, max = Infinity): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(
      `${flag} must be an integer ${max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`}, got "${value}"`,
    );
  return n;
}

export function numArg(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  return n;
}

/** `--format savedmodel,tfjs` (any of the formats, comma-separated); `both` means tfjs and SavedModel. */
export function formatsArg(value: string | undefined): ExportFormatId[] {
  if (value === undefined) return [...DEFAULT_EXPORT_FORMATS];
  const ids = value
    .split(',')
    .map((v) => v.trim())
    .flatMap((v): string[] =>
      v === 'both' ? [...DEFAULT_EXPORT_FORMATS] : v === 'all' ? [...ExportFormatId.options] : [v],
    );
  const bad = ids.filter((v) => !ExportFormatId.safeParse(v).success);
  if (ids.length === 0 || bad.length)
    throw new UsageError(
      `--format must be one or more of ${ExportFormatId.options.join(', ')} (comma-separated), both or all, got "${value}"`,
    );
  return [...new Set(ids as ExportFormatId[])];
}

export function backendArg(value: string | undefined): BackendPreference {
  const parsed = BackendPreference.safeParse(value ?? 'auto');
  if (!parsed.success)
    throw new UsageError(`unknown --backend ${value} (one of ${BackendPreference.options.join(', ')})`);
  return parsed.data;
}

/** The duplicate search's options (flag names without `--`), each naming one field of DuplicateOptions. */
export const DUPLICATE_FLAGS = {
  'dup-threshold': 'embeddingThreshold',
  'dup-margin': 'localMargin',
  'dup-phash-bits': 'phashMaxDistance',
} as const satisfies Record<string, keyof DuplicateOptions>;

/**
 * `--dup-threshold X` (cosine), `--dup-margin X` (how far a pair stands out from its photos'
 * neighbourhoods; 0: off), `--dup-phash-bits N`: checked by the search's own schema; unset flags keep
 * its defaults.
 */
export function duplicateArgs(
  values: Partial<Record<keyof typeof DUPLICATE_FLAGS, string>>,
): DuplicateOptions {
  const input: Partial<Record<keyof DuplicateOptions, number>> = {};
  for (const [name, field] of Object.entries(DUPLICATE_FLAGS) as [
    keyof typeof DUPLICATE_FLAGS,
    keyof DuplicateOptions,
  ][]) {
    const value = values[name];
    if (value === undefined) continue;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw new UsageError(`--${name} must be a number, got "${value}"`);
    input[field] = n;
  }
  const parsed = DuplicateOptions.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = Object.entries(DUPLICATE_FLAGS).find(([, f]) => f === issue.path[0])?.[0];
  throw new UsageError(`${name ? `--${name}` : 'duplicates'}: ${issue.message}`);
}
