import { describe, expect, it } from 'vitest';
import { sampledNote } from './quality';

describe('sampledNote: how head auto says it ranked on a sample', () => {
  it('names the sample only when fewer vectors than the training set were used', () => {
    expect(sampledNote({ sample: { vectors: 1250, of: 40000, fits: 36 } })).toBe(
      ' on a sample of 1250 of 40000 images',
    );
    expect(sampledNote({ sample: { vectors: 245, of: 245, fits: 120 } })).toBe('');
    expect(sampledNote({})).toBe('');
  });
});
