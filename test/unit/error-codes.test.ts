/** Engine errors carry their code from where they are thrown to the API answer and the CLI's exit status. */
import { describe, expect, it } from 'vitest';
import { errorCode } from '@shared/errors';
import { toApiError } from '../../src/main/core/api-error';
import { errorInfo, fromErrorInfo, AbortError } from '../../src/main/engine-host/job-context';
import { RunNotFoundError } from '../../src/main/engine-host/runners/live-runs';
import { BaseNotFoundError } from '../../src/main/engine/bases/resolve';
import { UsageError } from '../../src/main/engine/cli/args';
import { DatasetError } from '../../src/main/engine/dataset/scan';
import { SavedModelExportError } from '../../src/main/engine/export/savedmodel/types';
import { StoppedError } from '../../src/main/engine/extract/features';
import { HeadSpecError } from '../../src/main/engine/head/build';
import { DecodeError } from '../../src/main/engine/image/decode';
import { ModelLoadError } from '../../src/main/engine/model/io';
import { WriteError } from '../../src/main/util/write-dir-atomic';

describe('error codes', () => {
  const cases: [Error, string][] = [
    [new DatasetError('no images'), 'DATASET_ERROR'],
    [new BaseNotFoundError('no base'), 'NOT_FOUND'],
    [new ModelLoadError('bad model.json'), 'BAD_REQUEST'],
    [new HeadSpecError('head layer 2: …'), 'BAD_REQUEST'],
    [new DecodeError('cannot decode: …'), 'BAD_REQUEST'],
    [new SavedModelExportError('layer "x" (UpSampling2D) is not supported'), 'UNSUPPORTED'],
    [new WriteError('cannot create /x: EACCES'), 'IO_ERROR'],
    [new StoppedError(), 'CANCELLED'],
    [new AbortError('scan cancelled'), 'CANCELLED'],
    [new RunNotFoundError('run x is not in memory'), 'NOT_FOUND'],
    [new UsageError('--epochs must be …'), 'BAD_REQUEST'],
    [new Error('a bug'), 'INTERNAL'],
  ];

  it.each(cases)('%s travels as %s, across the process boundary and into the answer', (e, code) => {
    expect(errorCode(e)).toBe(code);
    const info = errorInfo(e);
    expect(info).toEqual({ name: e.name, code, message: e.message });
    const back = fromErrorInfo(structuredClone(info));
    expect(back.name).toBe(e.name);
    expect(toApiError(back)).toEqual({ code, message: e.message });
  });
});
