/** Stage `evaluate`: the returned weights on the validation and test images — metrics and mistakes. */
import type { Evaluation } from '@shared/engine-events';
import { evaluatePredictions } from '../evaluate/metrics';
import type { FeatureItem } from '../extract/features';
import type { ValSource } from '../train/loop';
import type { PipelineStage } from './context';

export interface EvaluateInput {
  classes: string[];
  val: FeatureItem[];
  test: FeatureItem[];
  /** How to get probabilities for items (cached features, or images through the fine-tuned model). */
  source(items: FeatureItem[]): ValSource;
}

export interface EvaluateOutput {
  val: Evaluation | null;
  test: Evaluation | null;
}

async function probsOf(val: ValSource, batchSize: number): Promise<Float32Array> {
  const chunks: Float32Array[] = [];
  for (let s = 0; s < val.size; s += batchSize) {
    const p = await val.predict(s, Math.min(val.size, s + batchSize));
    chunks.push((await p.data()) as Float32Array);
    p.dispose();
  }
  const out = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export const evaluateStage: PipelineStage<EvaluateInput, EvaluateOutput> = {
  name: 'evaluate',
  total: (i) => i.val.length + i.test.length,
  async run(i, ctx) {
    const total = i.val.length + i.test.length;
    let done = 0;
    const split = async (items: FeatureItem[], name: 'val' | 'test'): Promise<Evaluation | null> => {
      if (!items.length) return null;
      const src = i.source(items);
      const probs = await probsOf(src, 64);
      ctx.progress((done += items.length), total);
      return evaluatePredictions(name, i.classes, {
        probs,
        labels: src.labels,
        files: items.map((it) => ({ rel: it.file.rel, path: it.file.path })),
      });
    };
    return { val: await split(i.val, 'val'), test: await split(i.test, 'test') };
  },
};
