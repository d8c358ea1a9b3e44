import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DownloadCancelledError,
  downloadFile,
  type DownloadProgress,
} from '../../src/main/engine/bases/download';
import { downloadLine } from '../../src/main/engine/cli/progress';

// A weights file stand-in: 3 MB of deterministic bytes, served from 127.0.0.1 in small timed chunks.
const SIZE = 3 * 1024 * 1024;
const payload = Buffer.alloc(SIZE);
for (let i = 0, x = 12345; i < SIZE; i++) payload[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
const sha256 = createHash('sha256').update(payload).digest('hex');
const md5 = createHash('md5').update(payload).digest('hex');

interface Seen {
  url: string;
  range: string | null;
  ifRange: string | null;
}
let seen: Seen[] = [];
let served = new Map<string, number>();
let server: http.Server;
let base = '';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-download-'));
const noMirrors: string[] = [];

/** Stream `body` in 64 KB chunks, `delayMs` apart; stop (destroy the socket) after `cutAt` bytes. */
function send(res: http.ServerResponse, body: Buffer, delayMs: number, cutAt = Infinity) {
  let at = 0;
  const next = () => {
    if (res.destroyed) return;
    if (at >= cutAt) return void res.socket?.destroy();
    if (at >= body.length) return void res.end();
    const end = Math.min(body.length, at + 65536, cutAt);
    res.write(body.subarray(at, end), () => setTimeout(next, delayMs));
    at = end;
  };
  next();
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url!;
    const range = req.headers.range ?? null;
    seen.push({ url, range, ifRange: (req.headers['if-range'] as string) ?? null });
    const count = (served.get(url) ?? 0) + 1;
    served.set(url, count);
    if (url.startsWith('/missing/')) return void res.writeHead(404).end();
    const delay = url.startsWith('/slow/') ? 15 : 1;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    // /norange/ ignores Range and always answers 200 with the whole file, as some servers do.
    if (m && !url.startsWith('/norange/')) {
      const start = Number(m[1]);
      res.writeHead(206, {
        'Content-Length': SIZE - start,
        'Content-Range': `bytes ${start}-${SIZE - 1}/${SIZE}`,
        ETag: '"v1"',
      });
      return send(res, payload.subarray(start), delay);
    }
    res.writeHead(200, { 'Content-Length': SIZE, ETag: '"v1"', 'Accept-Ranges': 'bytes' });
    // /cut/ and /norange/ drop the connection part-way through their first answer.
    const cut =
      (url.startsWith('/cut/') || url.startsWith('/norange/')) && count === 1 ? 1_200_000 : Infinity;
    send(res, payload, delay, cut);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  seen = [];
  served = new Map();
});

const dest = (name: string) => path.join(tmp, 'models', 'downloads', name);
const leftovers = (file: string) => [file, `${file}.part`, `${file}.part.json`].filter((f) => existsSync(f));

describe('downloads a person can trust', () => {
  it('reports bytes, speed and ETA, verifies the hash, then stores the file (and reuses it next time)', async () => {
    const events: DownloadProgress[] = [];
    const file = dest('ok.h5');
    const r = await downloadFile({
      url: `${base}/ok/weights.h5`,
      dest: file,
      fileHash: sha256,
      mirrorDirs: noMirrors,
      progressIntervalMs: 0,
      onProgress: (p) => events.push(p),
    });
    expect(r).toEqual({ path: file, source: 'download', bytes: SIZE });
    expect(readFileSync(file).equals(payload)).toBe(true);
    expect(leftovers(file)).toEqual([file]);
    expect(events.length).toBeGreaterThan(10);
    expect(events.every((e, i) => i === 0 || e.bytes >= events[i - 1].bytes)).toBe(true);
    expect(events.every((e) => e.total === SIZE)).toBe(true);
    expect(events.at(-1)).toMatchObject({ bytes: SIZE, done: true });
    expect(events.some((e) => e.bytesPerSec > 0 && e.etaMs !== null && e.etaMs > 0)).toBe(true);
    const line = downloadLine('weights.h5', events[Math.floor(events.length / 2)]);
    expect(line).toMatch(
      /^Downloading weights\.h5 \[#+-+\] [\d.]+ MB \/ 3\.1 MB · [\d.]+ (kB|MB)\/s · ETA [\d.]+s$/,
    );

    const again = await downloadFile({
      url: `${base}/ok/weights.h5`,
      dest: file,
      fileHash: sha256,
      mirrorDirs: noMirrors,
    });
    expect(again.source).toBe('cache');
    expect(seen).toHaveLength(1);
  });

  it('resumes with an HTTP Range request after the connection is cut', async () => {
    const events: DownloadProgress[] = [];
    const file = dest('cut.h5');
    await downloadFile({
      url: `${base}/cut/weights.h5`,
      dest: file,
      fileHash: sha256,
      mirrorDirs: noMirrors,
      onProgress: (p) => events.push(p),
    });
    expect(readFileSync(file).equals(payload)).toBe(true);
    // Resumed from what had arrived before the cut (at most what the server sent).
    expect(seen.map((s) => s.range)).toEqual([null, expect.stringMatching(/^bytes=\d+-$/)]);
    const from = Number(/\d+/.exec(seen[1].range!)![0]);
    expect(from).toBeGreaterThan(500_000);
    expect(from).toBeLessThanOrEqual(1_200_000);
    // The resumed request carries the validator, so a file changed upstream would come back whole.
    expect(seen[1].ifRange).toBe('"v1"');
    expect(events.at(-1)).toMatchObject({ done: true, resumedFrom: from, bytes: SIZE });
  });

  it('is cancellable; the part is kept and the next call resumes from it', async () => {
    const file = dest('cancel.h5');
    const ctl = new AbortController();
    const first = downloadFile({
      url: `${base}/slow/weights.h5`,
      dest: file,
      fileHash: sha256,
      mirrorDirs: noMirrors,
      signal: ctl.signal,
      progressIntervalMs: 0,
      onProgress: (p) => p.bytes > 500_000 && ctl.abort(),
    });
    await expect(first).rejects.toThrow(DownloadCancelledError);
    const kept = statSync(`${file}.part`).size;
    expect(kept).toBeGreaterThan(500_000);
    expect(kept).toBeLessThan(SIZE);
    expect(existsSync(file)).toBe(false);

    await downloadFile({
      url: `${base}/slow/weights.h5`,
      dest: file,
      fileHash: sha256,
      mirrorDirs: noMirrors,
    });
    expect(seen.at(-1)!.range).toBe(`bytes=${kept}-`);
    expect(readFileSync(file).equals(payload)).toBe(true);
    expect(leftovers(file)).toEqual([file]);
  });

  it('a server that answers 200 to a Range request is read from the start again', async () => {
    const file = dest('norange.h5');
    await downloadFile({
      url: `${base}/norange/weights.h5`,
      dest: file,
      fileHash: md5,
      mirrorDirs: noMirrors,
    });
    expect(seen.map((s) => s.range)).toEqual([null, expect.stringMatching(/^bytes=[1-9]\d*-$/)]);
    expect(readFileSync(file).equals(payload)).toBe(true); // not the first part twice
  });

  it('a wrong hash is refused with a clear message and the file removed', async () => {
    const file = dest('bad.h5');
    const wrong = createHash('sha256').update('something else').digest('hex');
    await expect(
      downloadFile({ url: `${base}/ok/weights.h5`, dest: file, fileHash: wrong, mirrorDirs: noMirrors }),
    ).rejects.toThrow(
      `${base}/ok/weights.h5: the download does not match its sha256 hash (expected ${wrong}, got ${sha256}); the file was removed`,
    );
    expect(leftovers(file)).toEqual([]);
    // A cached copy that no longer matches is fetched again, as keras.utils.get_file does.
    writeFileSync(file, 'damaged');
    const r = await downloadFile({
      url: `${base}/ok/weights.h5`,
      dest: file,
      fileHash: sha256,
      mirrorDirs: noMirrors,
    });
    expect(r.source).toBe('download');
    expect(readFileSync(file).equals(payload)).toBe(true);
  });

  it('a local mirror overrides the URL (hash-checked too)', async () => {
    const mirror = path.join(tmp, 'mirror');
    mkdirSync(path.join(mirror, 'keras'), { recursive: true });
    writeFileSync(path.join(mirror, 'keras', 'weights.h5'), payload);
    const r = await downloadFile({
      url: `${base}/ok/weights.h5`,
      dest: dest('mirrored.h5'),
      fileHash: sha256,
      mirrorDirs: [mirror],
      mirrorName: 'keras/weights.h5',
    });
    expect(r).toEqual({ path: path.join(mirror, 'keras', 'weights.h5'), source: 'mirror', bytes: SIZE });
    expect(seen).toEqual([]);
    writeFileSync(path.join(mirror, 'keras', 'weights.h5'), 'stale');
    await expect(
      downloadFile({
        url: `${base}/ok/weights.h5`,
        dest: dest('mirrored.h5'),
        fileHash: sha256,
        mirrorDirs: [mirror],
        mirrorName: 'keras/weights.h5',
      }),
    ).rejects.toThrow(/local mirror\) does not match its sha256/);
  });

  it('HTTP errors and malformed hashes fail at once with one line', async () => {
    await expect(
      downloadFile({ url: `${base}/missing/w.h5`, dest: dest('missing.h5'), mirrorDirs: noMirrors }),
    ).rejects.toThrow(`cannot download ${base}/missing/w.h5: HTTP 404`);
    expect(seen).toHaveLength(1);
    await expect(
      downloadFile({ url: `${base}/ok/w.h5`, dest: dest('x.h5'), fileHash: 'abc', mirrorDirs: noMirrors }),
    ).rejects.toThrow('file hash "abc" is neither sha256 (64 hex digits) nor md5 (32 hex digits)');
  });
});
