/**
 * The fast head's validation pass: evaluateLoss's numbers (train/loop.ts: softmax probabilities clipped
 * to [1e-7, 1], mean −log p of the true class, argmax with the first maximum winning) from the stack's
 * own forward pass in inference mode, on the training workspace. Through tfjs every epoch end built a
 * tensor per batch of fresh arrays, repacked the new weights and read the probabilities back, which cost
 * a third of an epoch's time at 8k training and 1k validation vectors.
 */
import { forward, type StackLayer, type Workspace } from './dense-stack';
import type { ValSource } from './loop';

export type RowsValSource = ValSource & Required<Pick<ValSource, 'rows'>>;

export const hasRows = (v: ValSource): v is RowsValSource => typeof v.rows === 'function';

/** Loss and accuracy over every validation sample, `batch` rows (the workspace's capacity) at a time. */
export async function evaluateStack(
  val: RowsValSource,
  stack: StackLayer[],
  ws: Workspace,
  xBuf: Float32Array,
  batch: number,
  classes: number,
): Promise<{ loss: number; acc: number }> {
  const f = Math.fround;
  const floor = f(1e-7);
  let lossSum = 0;
  let correct = 0;
  for (let s = 0; s < val.size; s += batch) {
    const n = Math.min(val.size, s + batch) - s;
    let x = await val.rows(s, s + n, xBuf);
    if (x.buffer !== xBuf.buffer) {
      xBuf.set(x);
      x = xBuf.subarray(0, x.length);
    }
    const { logits } = forward(stack, ws, x, n, null);
    for (let i = 0; i < n; i++) {
      const o = i * classes;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c]);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum = f(sum + f(Math.exp(logits[o + c] - max)));
      // Probabilities in float32, as the head's softmax gives them; the first largest one is predicted.
      let best = -1;
      let arg = 0;
      for (let c = 0; c < classes; c++) {
        const p = f(f(Math.exp(logits[o + c] - max)) / sum);
        if (p > best) {
          best = p;
          arg = c;
        }
      }
      const y = val.labels[s + i];
      const py = f(f(Math.exp(logits[o + y] - max)) / sum);
      lossSum -= f(Math.log(Math.min(1, Math.max(floor, py))));
      if (arg === y) correct++;
    }
  }
  return { loss: lossSum / Math.max(1, val.size), acc: correct / Math.max(1, val.size) };
}
