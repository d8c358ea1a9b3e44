/**
 * Browser mode against hostile input, on a real server over loopback: each request gets its defined
 * refusal, and after every one the server is still up and answering (issue 11, defects 1–2).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_UPLOAD_BASE64 } from '@shared/ipc/contract';
import type { ApiResult } from '@shared/ipc/contract';
import type { WsServerMessage } from '@shared/ipc/ws-protocol';
import type { AppCore } from '../../src/main/core/app-core';
import { startStudioServer } from '../../src/main/server/http-server';
import type { StudioServer } from '../../src/main/server/http-server';
import { cookieName } from '../../src/main/server/auth';
import { MAX_WS_MESSAGE } from '../../src/main/server/guard';
import { makeCore, tempDir } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let core: AppCore;
let server: StudioServer;
let base: string;
let cookie: string;
let host: string;

beforeAll(async () => {
  tmp = await tempDir();
  const rendererDir = path.join(tmp.dir, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Transfer Studio</title>');
  core = makeCore(path.join(tmp.dir, 'state'), { mode: 'browser', fsRoots: [tmp.dir] });
  server = await startStudioServer({ core, rendererDir, port: 0 });
  base = `http://127.0.0.1:${server.port}`;
  host = `127.0.0.1:${server.port}`;
  cookie = `${cookieName(server.port)}=${server.token}`;
});
afterAll(async () => {
  await server.close();
  core.dispose();
  await tmp.cleanup();
});

/** Send raw bytes, read until the server closes (or `ms`): what no well-behaved client would send. */
function raw(request: string, ms = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(server.port, '127.0.0.1', () => s.write(request));
    let text = '';
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('close', () => resolve(text));
    s.on('error', reject);
    s.setTimeout(ms, () => s.destroy());
  });
}
const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

function upgradeRequest(target: string, headers: Record<string, string>): string {
  const all: Record<string, string> = {
    Host: host,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  return `GET ${target} HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}

function connect(headers: Record<string, string> = { cookie, origin: base }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers, maxPayload: 0 });
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

const closed = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('error', () => undefined); // the client may see the reset too
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });

/** The server is still up: the app page over HTTP and a contract call over a new WebSocket. */
async function stillServing() {
  const page = await fetch(`${base}/`, { headers: { cookie } });
  expect(page.status).toBe(200);
  const ws = await connect();
  try {
    expect(await rpc(ws, 1, 'getAppInfo', {})).toMatchObject({ ok: true, data: { mode: 'browser' } });
  } finally {
    ws.close();
  }
}

describe('browser-mode server under hostile input', () => {
  it('answers a malformed cookie with 401 (HTTP and upgrade), never a 500 or a stack', async () => {
    const bad = `x=%E0%A4%A; ${cookieName(server.port)}=%E0%A4%A`;
    const r = await fetch(`${base}/`, { headers: { cookie: bad } });
    expect(r.status).toBe(401);
    expect(await r.text()).not.toMatch(/URIError|\n\s+at /);
    // The malformed cookie beside a good one does not hide the good one.
    expect((await fetch(`${base}/`, { headers: { cookie: `x=%E0%A4%A; ${cookie}` } })).status).toBe(200);
    expect(statusOf(await raw(upgradeRequest('/ws', { Cookie: bad })))).toBe(401);
    await stillServing();
  });

  it('answers an unparseable request target with 400 (HTTP and upgrade)', async () => {
    const http = await raw(
      `GET http://[ HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(http)).toBe(400);
    expect(http).not.toMatch(/\n\s+at /);
    expect(statusOf(await raw(upgradeRequest('http://[', { Cookie: cookie })))).toBe(400);
    await stillServing();
  });

  it('refuses Origin: null and foreign origins on the WebSocket (403)', async () => {
    await expect(connect({ cookie, origin: 'null' })).rejects.toThrow('HTTP 403');
    await expect(connect({ cookie, origin: 'not a url' })).rejects.toThrow('HTTP 403');
    await expect(connect({ cookie, origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await stillServing();
  });

  it('refuses Host headers outside the allow-list before authentication (DNS rebinding)', async () => {
    // A rebinding page sends its own name; even with the right token it gets nothing.
    const asHost = (h: string) =>
      raw(`GET /?token=${server.token} HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`);
    for (const h of [`evil.example:${server.port}`, 'evil.example', `evil@127.0.0.1:${server.port}`, ''])
      expect(statusOf(await asHost(h)), h).toBe(403);
    expect(statusOf(await raw(upgradeRequest('/ws', { Cookie: cookie, Host: 'evil.example' })))).toBe(403);
    // Loopback names in any case, with or without the port, are this server.
    for (const h of [`localhost:${server.port}`, `LOCALHOST`, `[::1]:${server.port}`, host])
      expect(statusOf(await asHost(h)), h).toBe(302);
    await stillServing();
  });

  it('closes a socket that sends a message over the limit (1009 with a reason); other sockets carry on', async () => {
    const bystander = await connect();
    const ws = await connect();
    const end = closed(ws);
    ws.send(Buffer.alloc(50 * 1024 * 1024, 0x61), { binary: false });
    const { code, reason } = await end;
    expect(code).toBe(1009);
    expect(reason).toMatch(/message too big/);
    expect(MAX_WS_MESSAGE).toBeLessThan(50 * 1024 * 1024);
    expect((await rpc(bystander, 7, 'getEngineStatus', {})).ok).toBe(true);
    bystander.close();
    await stillServing();
  });

  it('still takes the largest legitimate message: one upload of MAX_UPLOAD_BASE64', async () => {
    const ws = await connect();
    try {
      const data = 'A'.repeat(MAX_UPLOAD_BASE64);
      const r = await rpc(ws, 2, 'predictImages', { runId: 'nope', items: [{ name: 'big.jpg', data }] });
      // Past the transport and the schema: the handler answers (there is no such run).
      expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    } finally {
      ws.close();
    }
  });

  it('closes a socket that sends invalid UTF-8 in a text frame (1007 with a reason)', async () => {
    const ws = await connect();
    const end = closed(ws);
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    const { code, reason } = await end;
    expect(code).toBe(1007);
    expect(reason).toMatch(/UTF-8/);
    await stillServing();
  });

  it('confines the cacheDir setting to the allowed roots (it is written to)', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'ts-outside-'));
    await symlink(outside, path.join(tmp.dir, 'link-out'));
    await writeFile(path.join(tmp.dir, 'a-file'), 'x');
    const ws = await connect();
    try {
      const set = (value: string | null) => rpc(ws, 3, 'setSetting', { key: 'cacheDir', value });
      expect(await set(path.join(outside, 'cache'))).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(await set(path.join(tmp.dir, 'link-out', 'cache'))).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(await set(path.join(tmp.dir, 'a-file'))).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });
      expect(core.cacheDir()).not.toContain(outside);
      const ok = await set(path.join(tmp.dir, 'new', 'cache'));
      expect(ok).toMatchObject({
        ok: true,
        data: { cacheDir: path.join(await realpath(tmp.dir), 'new', 'cache') },
      });
      expect((await set(null)).ok).toBe(true);
      expect(await readdir(outside)).toEqual([]);
    } finally {
      ws.close();
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('survives a client that resets mid-upgrade and one that sends garbage', async () => {
    await new Promise<void>((resolve) => {
      const s = net.connect(server.port, '127.0.0.1', () => {
        s.write(upgradeRequest('/ws', { Cookie: cookie }).slice(0, 40));
        s.resetAndDestroy();
        resolve();
      });
    });
    expect(statusOf(await raw('\x00\x01garbage\r\n\r\n'))).toBe(400);
    await stillServing();
  });
});
