import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EngineEvent, Evaluation } from '../../../shared/engine-events';
import { TrainConfig, type TrainConfigInput } from '../../../shared/train';
import { describeBackend, type BackendPreference } from '../backend';
import { exportRun, type ExportFormat } from '../export';
import { runTraining, type TrainRun } from '../train/run';
import { augmentArg, headArg, intArg, numArg, UsageError } from './args';
import { ProgressPrinter, table } from './progress';

export const TRAIN_USAGE = `usage: npm run train -- --data <dir> [--base <id|dir>] [--head <preset|json>] [--augment <json|keras>]
       [--epochs N] [--fine-tune-layers N] [--out <dir>] [--cache-dir <dir>] [--json]
       [--format savedmodel|tfjs|both] [--lr X] [--batch-size N] [--seed N] [--backend auto|wasm|cpu|tensorflow|tensorflow-gpu]
       [--val-fraction X] [--views N] [--class-weight balanced] [--patience N]`;

const slug = (s: string) => s.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';

/** The summary is the last JSONL line: other tools read `accuracy` from it. */
export function summarize(run: TrainRun, exported: Awaited<ReturnType<typeof exportRun>> | null) {
  const brief = (e: Evaluation | null) =>
    e && {
      count: e.count,
      accuracy: e.accuracy,
      loss: e.loss,
      topK: e.topK,
      perClass: e.perClass,
      confusion: e.confusion,
      misclassified: e.misclassified.map((m) => ({
        file: m.rel,
        true: run.classes[m.trueClass],
        predicted: run.classes[m.predicted],
        probabilities: m.probabilities,
      })),
    };
  return {
    type: 'summary',
    jobId: run.jobId,
    accuracy: run.accuracy,
    metrics: { val: brief(run.evaluation.val), test: brief(run.evaluation.test) },
    classes: run.classes,
    epochs: run.history.length,
    stopped: run.stopped,
    earlyStopped: run.earlyStopped,
    fineTuned: run.fineTuned,
    base: run.base.id,
    backend: { name: run.backend.name, device: run.backend.device, unavailable: run.backend.unavailable },
    features: run.features,
    timings: run.timings,
    skipped: run.problems.map((p) => ({ file: p.rel, reason: p.reason, stage: p.stage })),
    out: exported?.outDir ?? null,
    exports: exported && { tfjs: exported.tfjs?.dir ?? null, savedmodel: exported.savedmodel?.dir ?? null },
  };
}

function printReport(
  run: TrainRun,
  out: NodeJS.WriteStream,
  exported: Awaited<ReturnType<typeof exportRun>>,
) {
  const w = (s = '') => out.write(`${s}\n`);
  const v = run.evaluation.val;
  w();
  w(
    `Base ${run.base.displayName} · ${run.classes.length} classes · ${run.history.length} epochs${run.stopped ? ' (stopped)' : run.earlyStopped ? ' (early stop)' : ''} · backend ${describeBackend(run.backend)}`,
  );
  w(
    `Features: ${run.features.computed} computed, ${run.features.cached} from cache · total ${(run.timings.totalMs / 1000).toFixed(1)}s`,
  );
  if (v) {
    w();
    w(
      table([
        ['class', 'precision', 'recall', 'f1', 'support'],
        ...v.perClass.map((c) => [c.name, c.precision, c.recall, c.f1, c.support]),
      ]),
    );
    w();
    w(
      table([
        ['true \\ predicted', ...run.classes],
        ...v.confusion.map((row, i) => [run.classes[i], ...row]),
      ]),
    );
    w();
    w(
      `Validation accuracy ${(v.accuracy * 100).toFixed(1)}% (${v.count} images) · top-${v.topK.k} ${(v.topK.accuracy * 100).toFixed(1)}% · loss ${v.loss.toFixed(4)}`,
    );
  }
  if (run.evaluation.test)
    w(
      `Test accuracy ${(run.evaluation.test.accuracy * 100).toFixed(1)}% (${run.evaluation.test.count} images)`,
    );
  if (run.problems.length) {
    w();
    w(`Skipped ${run.problems.length} file(s):`);
    for (const p of run.problems) w(`  ${p.rel}: ${p.reason}`);
  }
  w();
  if (exported.tfjs) w(`tfjs model:  ${exported.tfjs.dir}`);
  if (exported.savedmodel) w(`SavedModel:  ${exported.savedmodel.dir}`);
}

export async function trainCommand(
  argv: string[],
  defaults: { data?: string; out?: string } = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      base: { type: 'string' },
      head: { type: 'string' },
      augment: { type: 'string' },
      epochs: { type: 'string' },
      'fine-tune-layers': { type: 'string' },
      'fine-tune-epochs': { type: 'string' },
      out: { type: 'string' },
      'cache-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      format: { type: 'string', default: 'both' },
      lr: { type: 'string' },
      'batch-size': { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      'val-fraction': { type: 'string' },
      views: { type: 'string' },
      'class-weight': { type: 'string' },
      patience: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${TRAIN_USAGE}\n`);
    return 0;
  }
  const data = values.data ?? defaults.data;
  if (!data) throw new UsageError(`--data <dir> is required\n${TRAIN_USAGE}`);
  const format = values.format as ExportFormat;
  if (!['tfjs', 'savedmodel', 'both'].includes(format))
    throw new UsageError(`--format must be savedmodel, tfjs or both`);
  const backend = values.backend as BackendPreference;
  if (!['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'].includes(backend))
    throw new UsageError(`unknown --backend ${backend}`);
  const ftLayers = intArg('--fine-tune-layers', values['fine-tune-layers']);
  const patience = intArg('--patience', values.patience, 1);
  const valFraction = values['val-fraction'] === undefined ? undefined : Number(values['val-fraction']);
  if (valFraction !== undefined && !(valFraction > 0 && valFraction < 1))
    throw new UsageError('--val-fraction must be between 0 and 1');
  const input: TrainConfigInput = {
    base: values.base,
    head: headArg(values.head),
    augment: augmentArg(values.augment),
    epochs: intArg('--epochs', values.epochs, 1),
    learningRate: numArg('--lr', values.lr),
    batchSize: intArg('--batch-size', values['batch-size'], 1),
    seed: intArg('--seed', values.seed),
    augmentViews: intArg('--views', values.views, 1),
    classWeight: values['class-weight'] === 'balanced' ? 'balanced' : undefined,
    split: valFraction !== undefined ? { valFraction } : undefined,
    earlyStopping: patience ? { patience, restoreBest: true } : undefined,
    fineTune: ftLayers
      ? { layers: ftLayers, epochs: intArg('--fine-tune-epochs', values['fine-tune-epochs'], 1) }
      : undefined,
  };
  const parsed = TrainConfig.safeParse(JSON.parse(JSON.stringify(input)));
  if (!parsed.success)
    throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const config = parsed.data;

  const json = values.json;
  const emitJson = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const printer = new ProgressPrinter(process.stderr);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nStopping after this batch (Ctrl+C again to quit now)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const onEvent = (e: EngineEvent) => (json ? emitJson(e) : printer.handle(e));
    const run = await runTraining({
      dataDir: data,
      config,
      cacheDir: values['cache-dir'],
      backend,
      signal: controller.signal,
      onEvent,
    });
    printer.done();
    const outDir =
      values.out ??
      defaults.out ??
      path.join(
        'runs',
        `${slug(path.basename(run.scan.root))}-${run.base.id}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`,
      );
    onEvent({ type: 'stage', jobId: run.jobId, stage: 'export', done: 0, total: 1 });
    const exported = await exportRun(run, { outDir, format });
    onEvent({ type: 'stage', jobId: run.jobId, stage: 'export', done: 1, total: 1 });
    if (json) emitJson(summarize(run, exported));
    else printReport(run, process.stdout, exported);
    run.dispose();
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
