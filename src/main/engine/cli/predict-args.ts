/**
 * `predict`'s and `eval`'s command lines, parsed before predict-cmd.ts (and with it the engine) loads:
 * a mistyped flag answers at once.
 */
import { intArg, UsageError } from './args';
import { parseCli } from './parse';
import { EVAL_USAGE, PREDICT_USAGE } from './usage';

export interface PredictRequest {
  model: string;
  files: string[];
  top: number;
  json: boolean;
}

export interface EvalRequest {
  model: string;
  data: string;
  json: boolean;
}

export function parsePredictArgs(argv: string[]): PredictRequest {
  const { values, positionals } = parseCli({
    args: argv,
    options: {
      model: { type: 'string' },
      top: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (!values.model || positionals.length === 0) throw new UsageError(PREDICT_USAGE);
  return { model: values.model, files: positionals, top: intArg('--top', values.top, 1)!, json: values.json };
}

export function parseEvalArgs(argv: string[]): EvalRequest {
  const { values } = parseCli({
    args: argv,
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.model || !values.data) throw new UsageError(EVAL_USAGE);
  return { model: values.model, data: values.data, json: values.json };
}
