import { scanDataset } from '../dataset/scan';
import { evaluatePredictions } from '../evaluate/metrics';
import { initBackend } from '../backend';
import { loadExportedModel } from '../model/load-export';
import { predictImages, type ImagePrediction } from '../predict';
import { UsageError } from './args';
import type { EvalRequest, PredictRequest } from './predict-args';
import { table } from './progress';

/** CLI output: the file as given, its probabilities and top-k, or why it could not be read. */
const asFile = (p: ImagePrediction) =>
  p.error === null
    ? { file: p.name, probabilities: p.probabilities, top: p.top }
    : { file: p.name, error: p.error };

const predictFiles = async (m: Awaited<ReturnType<typeof loadExportedModel>>, files: string[], k?: number) =>
  (
    await predictImages(
      m,
      files.map((f) => ({ name: f, path: f })),
      { k },
    )
  ).map(asFile);

export async function predictCommand(req: PredictRequest): Promise<number> {
  await initBackend();
  const m = await loadExportedModel(req.model);
  const preds = await predictFiles(m, req.files, req.top);
  for (const p of preds) {
    if (req.json) process.stdout.write(`${JSON.stringify(p)}\n`);
    else if ('error' in p) process.stdout.write(`${p.file}: error: ${p.error}\n`);
    else
      process.stdout.write(
        `${p.file}: ${p.top.map((t) => `${t.label} ${(t.probability * 100).toFixed(1)}%`).join(', ')}\n`,
      );
  }
  return preds.some((p) => 'error' in p) ? 1 : 0;
}

export async function evalCommand(req: EvalRequest): Promise<number> {
  await initBackend();
  const m = await loadExportedModel(req.model);
  const scan = await scanDataset(req.data);
  const missing = scan.classes.filter((c) => !m.labels.includes(c));
  if (missing.length)
    throw new UsageError(
      `classes not in the model: ${missing.join(', ')} (model knows ${m.labels.join(', ')})`,
    );
  const preds = await predictFiles(
    m,
    scan.files.map((f) => f.path),
    m.labels.length,
  );
  const ok = scan.files.map((f, i) => ({ f, p: preds[i] })).filter((x) => !('error' in x.p));
  const probs = new Float32Array(ok.length * m.labels.length);
  ok.forEach((x, i) => probs.set((x.p as { probabilities: number[] }).probabilities, i * m.labels.length));
  const evaluation = evaluatePredictions('test', m.labels, {
    probs,
    labels: Int32Array.from(ok, (x) => m.labels.indexOf(scan.classes[x.f.classIndex])),
    files: ok.map((x) => ({ rel: x.f.rel, path: x.f.path })),
  });
  const skipped = [
    ...scan.problems.map((p) => ({ file: p.rel, reason: p.reason })),
    ...preds
      .filter((p) => 'error' in p)
      .map((p) => ({ file: p.file, reason: (p as { error: string }).error })),
  ];
  if (req.json) {
    process.stdout.write(
      `${JSON.stringify({ type: 'summary', accuracy: evaluation.accuracy, evaluation, skipped })}\n`,
    );
    return 0;
  }
  process.stdout.write(
    `${table([['class', 'precision', 'recall', 'f1', 'support'], ...evaluation.perClass.map((c) => [c.name, c.precision, c.recall, c.f1, c.support])])}\n\n` +
      `Accuracy ${(evaluation.accuracy * 100).toFixed(1)}% on ${evaluation.count} images\n`,
  );
  for (const s of skipped) process.stdout.write(`skipped ${s.file}: ${s.reason}\n`);
  return 0;
}
