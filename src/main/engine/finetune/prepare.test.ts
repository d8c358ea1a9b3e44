import { describe, expect, it } from 'vitest';
import { BufferPool } from './prepare';

describe('BufferPool (batch inputs reused across batches)', () => {
  it('hands back a given-back buffer of the same length, and a new one for another length', () => {
    const pool = new BufferPool(2);
    const a = pool.take(12);
    pool.give(a);
    expect(pool.take(12)).toBe(a);
    expect(pool.take(12)).not.toBe(a);
    expect(pool.take(8)).toHaveLength(8);
  });

  it('keeps at most its limit per length, and nothing after clear', () => {
    const pool = new BufferPool(1);
    const [a, b] = [pool.take(4), pool.take(4)];
    pool.give(a);
    pool.give(b);
    expect(pool.take(4)).toBe(a);
    expect(pool.take(4)).not.toBe(b);
    pool.give(a);
    pool.clear();
    expect(pool.take(4)).not.toBe(a);
  });
});
