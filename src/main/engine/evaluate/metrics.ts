import type { ClassMetrics, Evaluation, Misclassified } from '@shared/engine-events';

export interface Predictions {
  /** Row-major [n × classes]. */
  probs: Float32Array;
  labels: Int32Array;
  files: { rel: string; path: string }[];
}

const argmax = (row: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
};

/** Accuracy, loss, top-k, per-class P/R/F1/support, confusion matrix and the misclassified files. */
export function evaluatePredictions(
  split: Evaluation['split'],
  classes: string[],
  p: Predictions,
  k = 5,
): Evaluation {
  const n = p.labels.length;
  const c = classes.length;
  const topK = Math.min(k, c);
  const confusion = classes.map(() => new Array<number>(c).fill(0));
  const misclassified: Misclassified[] = [];
  let correct = 0;
  let topKCorrect = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = p.probs.subarray(i * c, (i + 1) * c);
    const y = p.labels[i];
    const pred = argmax(row);
    confusion[y][pred]++;
    loss -= Math.log(Math.max(row[y], 1e-7));
    if (pred === y) correct++;
    else
      misclassified.push({
        rel: p.files[i].rel,
        path: p.files[i].path,
        trueClass: y,
        predicted: pred,
        probabilities: Array.from(row),
      });
    const rank = Array.from(row).filter((v) => v > row[y]).length;
    if (rank < topK) topKCorrect++;
  }
  const perClass: ClassMetrics[] = classes.map((name, j) => {
    const tp = confusion[j][j];
    const support = confusion[j].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[j], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { name, precision, recall, f1, support };
  });
  misclassified.sort((a, b) => b.probabilities[b.predicted] - a.probabilities[a.predicted]);
  return {
    split,
    count: n,
    accuracy: n ? correct / n : 0,
    loss: n ? loss / n : 0,
    topK: { k: topK, accuracy: n ? topKCorrect / n : 0 },
    perClass,
    confusion,
    misclassified,
  };
}
