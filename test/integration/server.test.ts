import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ApiResult, DatasetView } from '@shared/ipc/contract';
import type { WsServerMessage } from '@shared/ipc/ws-protocol';
import type { AppCore } from '../../src/main/core/app-core';
import { startStudioServer } from '../../src/main/server/http-server';
import type { StudioServer } from '../../src/main/server/http-server';
import { makeCore, makeDataset, tempDir } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let core: AppCore;
let server: StudioServer;
let base: string;
let cookie: string;

beforeAll(async () => {
  tmp = await tempDir();
  const rendererDir = path.join(tmp.dir, 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Transfer Studio</title>');
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(tmp.dir, 'secret.txt'), 'secret');
  await makeDataset(path.join(tmp.dir, 'data', 'ds'), { cats: 3, dogs: 3 }, true);
  core = makeCore(path.join(tmp.dir, 'state'), { mode: 'browser', fsRoots: [path.join(tmp.dir, 'data')] });
  server = await startStudioServer({ core, rendererDir, port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  core.dispose();
  await tmp.cleanup();
});

function connect(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function rpc(ws: WebSocket, id: number, channel: string, request: unknown): Promise<ApiResult<unknown>> {
  return new Promise((resolve) => {
    const onMsg = (data: Buffer) => {
      const m = JSON.parse(String(data)) as WsServerMessage;
      if ('id' in m && m.id === id) {
        ws.off('message', onMsg);
        resolve(m.result);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ id, channel, request }));
  });
}

describe('browser-mode server', () => {
  it('binds to 127.0.0.1 and prints a tokenised URL', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`${base}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers 401 without the token or with a wrong one', async () => {
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
    expect((await fetch(`${base}/assets/app.js`)).status).toBe(401);
    expect(
      (await fetch(`${base}/`, { headers: { cookie: 'transfer_studio_token_1=' + server.token } })).status,
    ).toBe(401);
  });

  it('trades the URL token for a cookie, then serves the app with a strict CSP', async () => {
    const r = await fetch(server.url, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/');
    const setCookie = r.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    cookie = setCookie.split(';')[0];
    const page = await fetch(`${base}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Transfer Studio');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect((await fetch(`${base}/`, { headers: { authorization: `Bearer ${server.token}` } })).status).toBe(
      200,
    );
  });

  it('keeps static files inside the renderer folder', async () => {
    expect((await fetch(`${base}/assets/..%2F..%2Fsecret.txt`, { headers: { cookie } })).status).toBe(403);
    expect((await fetch(`${base}/nope.js`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST', headers: { cookie } })).status).toBe(405);
  });

  it('refuses WebSockets without the token (401) or from another origin (403)', async () => {
    await expect(connect({})).rejects.toThrow('HTTP 401');
    await expect(connect({ cookie, origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('runs the contract over the WebSocket: typed answers, typed errors, pushed events', async () => {
    const ws = await connect({ cookie, origin: base });
    try {
      const info = await rpc(ws, 1, 'getAppInfo', {});
      expect(info).toMatchObject({ ok: true, data: { mode: 'browser', canPickFolder: false } });
      expect(await rpc(ws, 2, 'listDir', { path: '/etc' })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(await rpc(ws, 3, 'openDataset', {})).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });

      const events: string[] = [];
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(String(d)) as WsServerMessage;
        if ('event' in m) events.push(m.event);
      });
      const r = await rpc(ws, 4, 'openDataset', { path: path.join(tmp.dir, 'data', 'ds') });
      if (!r.ok) throw new Error(r.error.message);
      const view = r.data as DatasetView;
      expect(view.classes).toEqual(['cats', 'dogs']);
      expect(view.files).toHaveLength(6);
      expect(view.problems.map((p) => path.basename(p.rel)).sort()).toEqual([
        'empty.jpg',
        'notes.jpg',
        'truncated.jpg',
      ]);
      expect(events).toContain('jobProgress');
      expect(events).toContain('engineStatus');

      // Malformed frames get a typed error, and the socket stays usable.
      const bad = new Promise<WsServerMessage>((resolve) =>
        ws.once('message', (d: Buffer) => resolve(JSON.parse(String(d)))),
      );
      ws.send('{nope');
      expect(await bad).toMatchObject({ id: -1, result: { ok: false, error: { code: 'BAD_REQUEST' } } });
      expect((await rpc(ws, 5, 'getEngineStatus', {})).ok).toBe(true);

      // Images: a real thumbnail, cached on disk; traversal and unknown ids refused.
      const rel = view.files[0].rel;
      const thumb = await fetch(`${base}/image/thumb/${view.id}/${rel}`, { headers: { cookie } });
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get('content-type')).toBe('image/webp');
      const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect([meta.width, meta.height]).toEqual([192, 192]);
      const cacheRoot = path.join(core.cacheDir(), 'images', 'thumbs');
      expect(existsSync(cacheRoot) && (await readdir(cacheRoot)).length).toBeGreaterThan(0);

      const preview = await fetch(`${base}/image/preview/${view.id}/${rel}`, { headers: { cookie } });
      expect(preview.headers.get('content-type')).toBe('image/jpeg');
      expect((await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).width).toBe(
        view.files[0].width,
      );

      expect(
        (await fetch(`${base}/image/thumb/${view.id}/..%2F..%2F..%2Fsecret.txt`, { headers: { cookie } }))
          .status,
      ).toBe(403);
      expect((await fetch(`${base}/image/thumb/ffffffffffff/${rel}`, { headers: { cookie } })).status).toBe(
        404,
      );
      expect((await fetch(`${base}/image/thumb/${view.id}/${rel}`)).status).toBe(401);
    } finally {
      ws.close();
    }
  });
});
