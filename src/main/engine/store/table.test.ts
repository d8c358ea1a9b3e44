import { describe, expect, it } from 'vitest';
import { encodeVector, MemoryTable } from './table';

describe('MemoryTable', () => {
  it('reads rows back as stored: float16 in the arena, a row outside its range kept as float32', async () => {
    const t = new MemoryTable(3, 4, 'float16');
    const rows = [
      Float32Array.of(0.5, -1, 2, 0.25),
      Float32Array.of(1e6, 1, 2, 3),
      Float32Array.of(0, 0, 0, 1),
    ];
    rows.forEach((v, r) => {
      const e = encodeVector(v, 'float16');
      t.set(r, e.dtype, e.bytes);
    });
    const out = new Float32Array(12);
    await t.read([2, 1, 0], out);
    expect([...out]).toEqual([...rows[2], ...rows[1], ...rows[0]]);
  });

  it('frees its rows when closed: a later read fails instead of reading freed memory', async () => {
    const t = new MemoryTable(2, 4, 'float32');
    const e = encodeVector(Float32Array.of(1, 2, 3, 4), 'float32');
    t.set(0, e.dtype, e.bytes);
    await t.close();
    await expect(t.read([0], new Float32Array(4))).rejects.toThrow(/closed/);
    await t.close(); // closing twice is harmless
  });
});
