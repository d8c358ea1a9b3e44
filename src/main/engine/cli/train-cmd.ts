/** `train`: the run's pipeline from a terminal — scan once, train, export — with progress and a report. */
import path from 'node:path';
import type { DatasetScan } from '@shared/dataset';
import { EXPORT_FORMATS, ExportFormatId } from '@shared/export-formats';
import type { EngineEvent, Evaluation } from '@shared/engine-events';
import { sampledNote } from '@shared/quality';
import os from 'node:os';
import { describeBackend, initBackend } from '../backend';
import { StoppedError } from '../extract/features';
import type { ExportResult } from '../export';
import { exportSubject } from '../export';
import { assertDeviceAvailable } from '../onnx/devices';
import { pipelineContext, runStage } from '../pipeline/context';
import { exportStage } from '../pipeline/export';
import { runTraining, type TrainRun } from '../pipeline/run';
import { describeCvRow, qualityCheck, type QualityCheckOutput } from '../pipeline/quality-check';
import { scanStage } from '../pipeline/scan';
import { assertTrainable, withoutEmptyClasses } from '../dataset/scan';
import { resumeRun } from '../train/resume-run';
import { defaultCacheDir } from '../../util/paths';
import { ProgressPrinter, table } from './progress';
import type { TrainRequest } from './train-args';

/** Ctrl+C before any epoch finished: 128 + SIGINT, as shells report an interrupted command. */
export const STOPPED_EXIT_CODE = 130;
export const STOPPED_BEFORE_TRAINING = 'stopped before training: nothing to export';

const slug = (s: string) => s.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';

/** The summary is the last JSONL line: other tools read `accuracy` from it. */
export function summarize(
  run: TrainRun,
  exported: ExportResult | null,
  check: QualityCheckOutput | null = null,
) {
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
    fineTuneKept: run.fineTuneKept,
    base: run.base.id,
    backend: { name: run.backend.name, device: run.backend.device, unavailable: run.backend.unavailable },
    features: run.features,
    timings: run.timings,
    skipped: run.problems.map((p) => ({ file: p.rel, reason: p.reason, stage: p.stage })),
    quality: check && {
      extraction: check.extraction,
      duplicates: check.duplicates.counts,
      dedupe: check.dedupe,
      headAuto: check.headAuto && {
        winner: check.headAuto.winner.id,
        folds: check.headAuto.folds,
        repeats: check.headAuto.repeats,
        sample: check.headAuto.sample ?? null,
        best: check.headAuto.best ?? null,
        ms: check.headAuto.ms,
        rows: check.headAuto.rows.map((r) => ({
          id: r.candidate.id,
          status: r.status,
          accuracy: r.accuracy,
          logLoss: r.logLoss,
          ms: r.ms,
        })),
      },
      review: check.review && {
        cvAccuracy: check.review.cv.accuracy,
        flagged: check.review.flagged,
        suspects: check.review.queue.slice(0, 50).map((q) => ({
          file: q.rel,
          label: check.review!.classes[q.label],
          suggested: check.review!.classes[q.suggested],
          probabilities: q.probabilities,
          score: q.score,
        })),
      },
    },
    out: exported?.outDir ?? null,
    exports:
      exported &&
      Object.fromEntries(ExportFormatId.options.map((id) => [id, exported.formats[id]?.dir ?? null])),
  };
}

function printReport(run: TrainRun, out: NodeJS.WriteStream, exported: ExportResult) {
  const w = (s = '') => out.write(`${s}\n`);
  const v = run.evaluation.val;
  w();
  w(
    `Base ${run.base.displayName} · ${run.classes.length} classes · ${run.history.length} epochs${run.stopped ? ' (stopped)' : run.earlyStopped ? ' (early stop)' : ''} · backend ${describeBackend(run.backend)}`,
  );
  w(
    `Features: ${run.features.computed} computed, ${run.features.cached} from cache · total ${(run.timings.totalMs / 1000).toFixed(1)}s`,
  );
  w(`Frozen base: ${run.features.runtime}`);
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
  const written = ExportFormatId.options.filter((id) => exported.formats[id]);
  const width = Math.max(...written.map((id) => EXPORT_FORMATS[id].label.length)) + 2;
  for (const id of written) w(`${`${EXPORT_FORMATS[id].label}:`.padEnd(width)}${exported.formats[id]!.dir}`);
}

/** Runs a parsed request: the command line was checked (train-args.ts) before this module loaded. */
export async function trainCommand(req: TrainRequest): Promise<number> {
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
    const onEvent = (e: EngineEvent) => (req.json ? emitJson(e) : printer.handle(e));
    // A forced device that cannot work fails now, before any scan.
    if (req.device !== 'tfjs') assertDeviceAvailable(req.device);
    const stoppedEarly = (e: unknown) => {
      if (e instanceof StoppedError) return null; // Ctrl+C while scanning or computing features
      throw e;
    };
    const machine = {
      signal: controller.signal,
      onEvent,
      cacheDir: req.cacheDir,
      backend: req.backend,
      device: req.device,
    };
    let outDir: string;
    let run: TrainRun | null;
    let check: QualityCheckOutput | null = null;
    if (req.kind === 'resume') {
      // The run's own folder holds its config and scan; the model lands beside them unless --out says.
      outDir = req.out ?? req.runDir;
      run = await resumeRun(req.runDir, machine).catch(stoppedEarly);
    } else {
      const ctx = pipelineContext({ signal: controller.signal, onEvent });
      const scan = await runStage(ctx, scanStage, { root: req.data, split: req.config.split }).catch(
        stoppedEarly,
      );
      // A dataset the run will refuse gets its one-line error from the run, without a quality line first.
      const checkable = scan !== null && canTrain(scan);
      check = !checkable
        ? null
        : await qualityCheck(ctx, {
            scan,
            config: req.config,
            cacheDir: req.cacheDir ?? defaultCacheDir(),
            backend: await initBackend(req.backend),
            device: req.device,
            engines: Math.max(1, os.availableParallelism()),
            dedupe: req.dedupe,
            review: req.review > 0,
            headAuto: req.headAuto,
            duplicateOptions: req.duplicates,
          }).catch(stoppedEarly);
      if (check && !req.json) {
        printer.done();
        printQuality(check, req.review, process.stdout);
      }
      // The output folder is also the run's folder (run.json, scan.json, checkpoints): `--resume` it.
      outDir =
        req.out ??
        path.join(
          'runs',
          `${slug(path.basename(scan?.root ?? req.data))}-${slug(path.basename(req.config.base))}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`,
        );
      run =
        scan && (check || !checkable)
          ? await runTraining(check?.config ?? req.config, check?.scan ?? scan, {
              ...machine,
              context: ctx,
              runDir: outDir,
            }).catch(stoppedEarly)
          : null;
    }
    printer.done();
    // Stopped before one whole epoch: there are no trained weights worth exporting.
    if (!run || (run.stopped && run.history.length === 0)) {
      run?.dispose();
      process.stderr.write(`${STOPPED_BEFORE_TRAINING}\n`);
      return STOPPED_EXIT_CODE;
    }
    if (run.stopped && !req.json)
      process.stderr.write(`To continue this run: npm run train -- --resume ${outDir}\n`);
    const ctx = pipelineContext({ signal: controller.signal, onEvent, jobId: run.jobId });
    const exported = await runStage(ctx, exportStage, {
      subject: exportSubject(run),
      outDir,
      formats: req.formats,
    });
    if (req.json) emitJson(summarize(run, exported, check));
    else printReport(run, process.stdout, exported);
    run.dispose();
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The head-auto table and label suspects (duplicate counts went out as log lines as they were found). */
function printQuality(c: QualityCheckOutput, reviewCount: number, out: NodeJS.WriteStream) {
  const w = (s = '') => out.write(`${s}\n`);
  if (c.headAuto) {
    w();
    w(
      table([
        [
          `head (${c.headAuto.folds}-fold ×${c.headAuto.repeats} CV on train${sampledNote(c.headAuto)})`,
          'cv acc %',
          'log loss',
          's',
        ],
        ...c.headAuto.rows.map((r) => describeCvRow(r, c.headAuto!.winner.id)),
      ]),
    );
  }
  if (c.review) {
    const r = c.review;
    w();
    w(
      `Label review (${r.cv.folds}-fold CV${(r.cv.repeats ?? 1) > 1 ? ` × ${r.cv.repeats} splits` : ''}, accuracy ${(r.cv.accuracy * 100).toFixed(1)}%): ${r.flagged} flagged; top ${Math.min(reviewCount, r.queue.length)}:`,
    );
    w(
      table([
        ['file', 'label', 'suggested', 'p(label)', 'p(suggested)'],
        ...r.queue
          .slice(0, reviewCount)
          .map((q) => [
            q.rel,
            r.classes[q.label],
            r.classes[q.suggested],
            +q.probabilities[q.label].toFixed(3),
            +q.probabilities[q.suggested].toFixed(3),
          ]),
      ]),
    );
  }
  if (c.headAuto || c.review) w();
}

/** Whether a run would accept this scan (else it fails with its own one-line reason). */
function canTrain(scan: DatasetScan): boolean {
  try {
    assertTrainable(withoutEmptyClasses(scan));
    return true;
  } catch {
    return false;
  }
}
