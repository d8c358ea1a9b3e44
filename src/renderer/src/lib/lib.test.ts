import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv';
import { balanceWarnings } from './imbalance';
import { gridLayout, visibleRows } from './virtual';
import { formatBytes, formatDownload } from './format';

describe('CSV export', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(csvField('plain.jpg')).toBe('plain.jpg');
    expect(csvField('a,b.jpg')).toBe('"a,b.jpg"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(toCsv(['file', 'reason'], [['a.jpg', 'empty file (0 bytes)']])).toBe(
      'file,reason\r\na.jpg,empty file (0 bytes)\r\n',
    );
  });
});

describe('virtual grid windowing', () => {
  it('renders only the rows in view plus overscan, even for 10,000 images', () => {
    const layout = gridLayout(10_000, 1000, 128, 8, 160);
    expect(layout.columns).toBe(7);
    expect(layout.rows).toBe(Math.ceil(10_000 / 7));
    const w = visibleRows(50_000, 600, 160, layout.rows, 2);
    expect(w.first).toBe(Math.floor(50_000 / 160) - 2);
    expect(w.last).toBe(Math.ceil(50_600 / 160) + 2);
    // ~4 rows in view + 2×2 overscan rows, 7 columns: a few dozen cells out of 10,000.
    expect((w.last - w.first) * layout.columns).toBeLessThanOrEqual(63);
  });

  it('clamps at both ends and handles empty lists', () => {
    expect(visibleRows(0, 600, 160, 3, 2)).toEqual({ first: 0, last: 3 });
    expect(visibleRows(1e9, 600, 160, 10, 2)).toEqual({ first: 8, last: 10 });
    expect(visibleRows(0, 600, 160, 0)).toEqual({ first: 0, last: 0 });
    expect(gridLayout(5, 10, 128, 8, 160).columns).toBe(1);
  });
});

describe('class balance warnings', () => {
  it('warns when the smallest class is under a third of the largest', () => {
    const w = balanceWarnings(['a', 'b', 'c'], [300, 99, 100]);
    expect(w.map((x) => [x.kind, x.className])).toEqual([['imbalance', 'b']]);
  });
  it('warns under 10 images and for empty classes', () => {
    const w = balanceWarnings(['a', 'b', 'c'], [9, 10, 0]);
    expect(w.map((x) => [x.kind, x.className])).toEqual([
      ['too-few', 'a'],
      ['empty', 'c'],
    ]);
  });
  it('is quiet for a balanced dataset', () => {
    expect(balanceWarnings(['ants', 'bees'], [194, 204])).toEqual([]);
  });
});

describe('formatting', () => {
  it('formats byte sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(formatBytes(200 * 1024)).toBe('200 KB');
  });
});

describe('download progress text', () => {
  it('says bytes of total, speed and time left, and leaves out what is not known', () => {
    expect(
      formatDownload({ bytes: 12 * 2 ** 20, total: 58 * 2 ** 20, bytesPerSec: 2.1 * 2 ** 20, etaMs: 22_000 }),
    ).toBe('12 MB of 58 MB · 2.1 MB/s · 22 s left');
    expect(formatDownload({ bytes: 3 * 2 ** 20, total: null, bytesPerSec: 0, etaMs: null })).toBe('3.0 MB');
  });
});
