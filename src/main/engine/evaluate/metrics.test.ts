import { describe, expect, it } from 'vitest';
import { evaluatePredictions } from './metrics';

const files = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ rel: `f${i}.jpg`, path: `/d/f${i}.jpg` }));

describe('evaluatePredictions', () => {
  it('computes confusion, per-class metrics and lists the misclassified, most confident first', () => {
    // truth: 0,0,1,1,2 ; predicted: 0,1,1,1,0
    const probs = Float32Array.from([
      0.8, 0.1, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.2, 0.7, 0.1, 0.5, 0.2, 0.3,
    ]);
    const e = evaluatePredictions(
      'val',
      ['a', 'b', 'c'],
      { probs, labels: Int32Array.from([0, 0, 1, 1, 2]), files: files(5) },
      2,
    );
    expect(e.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
    expect(e.accuracy).toBeCloseTo(3 / 5);
    expect(e.perClass[1]).toMatchObject({ precision: 2 / 3, recall: 1, support: 2 });
    expect(e.perClass[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(e.misclassified.map((m) => m.rel)).toEqual(['f1.jpg', 'f4.jpg']);
    // top-2: f4's true class (0.3) is second → counted; f1's (0.3) second → counted.
    expect(e.topK).toEqual({ k: 2, accuracy: 1 });
    expect(e.loss).toBeCloseTo(
      -(Math.log(0.8) + Math.log(0.3) + Math.log(0.8) + Math.log(0.7) + Math.log(0.3)) / 5,
      5,
    );
  });
});
