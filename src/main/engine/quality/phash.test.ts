import { describe, expect, it } from 'vitest';
import { hammingHex, hashFromGray, popcount32 } from './phash';
import { phashPairs } from './phash-match';
import { mulberry32 } from '@shared/random';

/** A smooth synthetic 32×32 "photo": a few random blobs, so low frequencies carry structure. */
function gray(seed: number): Uint8Array {
  const r = mulberry32(seed);
  const blobs = Array.from({ length: 4 }, () => [r() * 32, r() * 32, 4 + r() * 10, r() * 200]);
  const g = new Uint8Array(1024);
  for (let y = 0; y < 32; y++)
    for (let x = 0; x < 32; x++) {
      let v = 20;
      for (const [cx, cy, s, a] of blobs) v += a * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
      g[y * 32 + x] = Math.min(255, Math.round(v));
    }
  return g;
}

const flip = (g: Uint8Array) => g.map((_, i) => g[Math.floor(i / 32) * 32 + 31 - (i % 32)]);

describe('perceptual hash', () => {
  it('the mirrored hash is exactly the hash of the horizontally flipped image', () => {
    for (let s = 1; s <= 20; s++) {
      const a = hashFromGray(gray(s));
      const b = hashFromGray(flip(gray(s)));
      expect(b.hash).toBe(a.mirrored);
      expect(b.mirrored).toBe(a.hash);
    }
  });

  it('different images differ in many bits, the same image in none', () => {
    const a = hashFromGray(gray(1));
    expect(hammingHex(a.hash, hashFromGray(gray(1)).hash)).toBe(0);
    expect(hammingHex(a.hash, hashFromGray(gray(2)).hash)).toBeGreaterThan(10);
  });

  it('popcount counts bits', () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
  });
});

describe('phashPairs (multi-index hashing)', () => {
  it('finds exactly the pairs brute force finds, plain and mirrored, at any distance', () => {
    const r = mulberry32(9);
    const hex = () => Array.from({ length: 16 }, () => Math.floor(r() * 16).toString(16)).join('');
    const flipBits = (h: string, bits: number) => {
      const b = h.split('').map((c) => parseInt(c, 16));
      for (let k = 0; k < bits; k++) {
        const pos = Math.floor(r() * 64);
        b[pos >> 2] ^= 8 >> (pos & 3);
      }
      return b.map((x) => x.toString(16)).join('');
    };
    const hashes = Array.from({ length: 300 }, () => ({ hash: hex(), mirrored: hex() }));
    // Plant near pairs: some plain, some matching through the mirrored hash.
    for (let i = 0; i < 40; i++) {
      const src = hashes[i];
      hashes.push(
        i % 2
          ? { hash: flipBits(src.hash, i % 9), mirrored: hex() }
          : { hash: flipBits(src.mirrored, i % 5), mirrored: flipBits(src.hash, i % 4) },
      );
    }
    for (const max of [0, 3, 6, 12]) {
      const found = new Map<string, number>();
      const stats = phashPairs(hashes, max, (i, j, d) => found.set(`${i},${j}`, d));
      const expected = new Map<string, number>();
      for (let i = 0; i < hashes.length; i++)
        for (let j = i + 1; j < hashes.length; j++) {
          const d = Math.min(
            hammingHex(hashes[i].hash, hashes[j].hash),
            Math.max(
              hammingHex(hashes[i].mirrored, hashes[j].hash),
              hammingHex(hashes[i].hash, hashes[j].mirrored),
            ),
          );
          if (d <= max) expected.set(`${i},${j}`, d);
        }
      expect(found, `max ${max}`).toEqual(expected);
      if (max === 6) expect(expected.size).toBeGreaterThan(20);
      expect(stats.comparisons).toBeLessThan((hashes.length * hashes.length) / 4);
    }
  });
});
