/**
 * Browser mode's server: the app core's handler table over a WebSocket, the image route with the same
 * confinement as the Electron protocol, and the built renderer — all behind the access token.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { RENDERER_CSP_HEADER } from '@shared/ipc/csp';
import { parseImagePath } from '@shared/ipc/image-url';
import { IMAGE_HTTP_PREFIX, WS_PATH } from '@shared/ipc/ws-protocol';
import type { WsClientMessage, WsServerMessage } from '@shared/ipc/ws-protocol';
import type { AppCore } from '../core/app-core';
import { dispatch } from '../core/dispatch';
import { isInside } from '../images/confine';
import { authCookie, authenticate, newToken } from './auth';
import { allowedHosts, CLOSE_REASONS, hostAllowed, MAX_WS_MESSAGE, originAllowed, requestUrl } from './guard';

export interface StudioServerOptions {
  core: AppCore;
  /** The built renderer (index.html + assets). */
  rendererDir: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  token?: string;
  /** Host names besides loopback and `host` that requests may name (e.g. the box's DNS name). */
  allowedHosts?: string[];
}

export interface StudioServer {
  url: string;
  token: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

const SECURITY_HEADERS = {
  'content-security-policy': RENDERER_CSP_HEADER,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Close codes ws uses for a bad message (1009 too big, 1007 bad UTF-8) go out with a reason. */
class ReasonedWebSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    super.close(code, data ?? (code === undefined ? undefined : CLOSE_REASONS[code]));
  }
}

const UNAUTHORIZED_PAGE =
  'Transfer Studio: access token required.\nOpen the URL printed by `npm run serve` (it ends in ?token=…).\n';

export async function startStudioServer(o: StudioServerOptions): Promise<StudioServer> {
  const token = o.token ?? newToken();
  const host = o.host ?? '127.0.0.1';
  const rendererDir = path.resolve(o.rendererDir);
  const hosts = allowedHosts(host, o.allowedHosts);
  let port = 0;

  // One error path per request: whatever a handler throws (now or in future) ends that request only.
  const server = createServer((req, res) => {
    const fail = (e: unknown) => {
      console.error('[server]', (e as Error)?.message ?? e);
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy();
    };
    req.on('error', () => res.destroy());
    res.on('error', () => res.destroy());
    try {
      handle(req, res).catch(fail);
    } catch (e) {
      fail(e);
    }
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // Before authentication, as Jupyter does: a DNS-rebinding page names its own host.
    if (!hostAllowed(req.headers.host, hosts)) return send(res, 403, 'host not allowed');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    const url = requestUrl(req);
    if (!url) return send(res, 400, 'bad request target');
    const auth = authenticate(req, url, token, port);
    if (!auth.ok) return send(res, 401, UNAUTHORIZED_PAGE);
    if (auth.via === 'query') {
      // Trade the URL token for a cookie, and drop it from the address bar (and history).
      url.searchParams.delete('token');
      res.writeHead(302, {
        ...SECURITY_HEADERS,
        'set-cookie': authCookie(token, port),
        location: url.pathname + url.search,
      });
      return res.end();
    }
    if (url.pathname.startsWith(IMAGE_HTTP_PREFIX + '/')) return serveImage(res, url);
    return serveStatic(res, url.pathname);
  }

  async function serveImage(res: ServerResponse, url: URL) {
    const parsed = parseImagePath(url.pathname.slice(IMAGE_HTTP_PREFIX.length + 1));
    if (!parsed) return send(res, 404, 'not found');
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const r = await o.core.image(parsed.kind, parsed.datasetId, parsed.rel, ac.signal).catch((e: Error) => {
      if (e.name === 'AbortError') return null;
      throw e;
    });
    if (!r || res.destroyed) return;
    if (r.status !== 200) return send(res, r.status, r.reason);
    send(res, 200, r.image.body, {
      'content-type': r.image.contentType,
      'cache-control': 'private, max-age=3600',
    });
  }

  async function serveStatic(res: ServerResponse, pathname: string) {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    } catch {
      return send(res, 400, 'bad path');
    }
    const file = path.join(rendererDir, rel);
    if (rel.includes('\0') || !isInside(rendererDir, file)) return send(res, 403, 'forbidden');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return send(res, 404, 'not found');
    }
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    // Hashed assets are immutable; index.html must be re-read so a rebuild shows up.
    const cache = rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    send(res, 200, body, { 'content-type': type, 'cache-control': cache });
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_MESSAGE,
    WebSocket: ReasonedWebSocket,
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Errors on this connection (a reset, a hostile client) end this connection only.
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    try {
      if (!hostAllowed(req.headers.host, hosts)) return refuse(403, 'Forbidden');
      const url = requestUrl(req);
      if (!url) return refuse(400, 'Bad Request');
      if (url.pathname !== WS_PATH) return refuse(404, 'Not Found');
      if (!authenticate(req, url, token, port).ok) return refuse(401, 'Unauthorized');
      // Cross-site WebSocket hijacking: a page elsewhere must not drive this server with the user's cookie.
      if (!originAllowed(req.headers.origin, req.headers.host)) return refuse(403, 'Forbidden');
      wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
    } catch (e) {
      console.error('[server] upgrade:', (e as Error)?.message ?? e);
      socket.destroy();
    }
  });

  function onSocket(ws: WebSocket) {
    const out = (m: WsServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m), () => undefined);
    };
    const unsubscribe = o.core.events.subscribe((event, payload) => out({ event, payload }));
    ws.on('close', unsubscribe);
    // A bad frame (too big, invalid UTF-8, protocol error) closes this socket with a reason (see
    // ReasonedWebSocket); the error event must have a listener or it would take the process down.
    ws.on('error', (e: Error & { code?: string }) =>
      console.warn(`[server] websocket: ${e.code ?? e.message}`),
    );
    ws.on('message', (data, isBinary) => {
      try {
        let msg: WsClientMessage;
        try {
          if (isBinary) throw new Error('binary frame');
          msg = JSON.parse(String(data)) as WsClientMessage;
          if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') throw new Error('no id');
        } catch {
          out({ id: -1, result: { ok: false, error: { code: 'BAD_REQUEST', message: 'malformed frame' } } });
          return;
        }
        dispatch(o.core.handlers, msg.channel, msg.request)
          .then((result) => out({ id: msg.id, result }))
          .catch((e: Error) => console.error('[server] dispatch:', e.message));
      } catch (e) {
        console.error('[server] message:', (e as Error)?.message ?? e);
        ws.terminate();
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
